// swift-tools-version:6.1
import PackageDescription

// The bf16 / int8 benchmark (BENCHMARKS.md, "Lower-precision weights"): a package of its own
// over the repository's engine targets (Sources/* are links to ../../../Sources), so that
// timing the kernels needs neither the server's dependencies nor a change to `sluice bench`.
let package = Package(
    name: "LowPrecisionBench",
    platforms: [.macOS(.v14)],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .target(name: "CSluiceKernels"),
        .target(name: "SluiceTensors", dependencies: ["CBLAS", "CSluiceKernels"]),
        .target(name: "SluiceSafeTensors"),
        .target(name: "SluiceTokenizers"),
        .target(name: "SluiceModels", dependencies: ["SluiceTensors", "SluiceSafeTensors"]),
        .target(name: "SluicePipelines", dependencies: ["SluiceTokenizers", "SluiceModels"]),
        .executableTarget(
            name: "LowPrecisionBench",
            dependencies: ["CSluiceKernels", "SluicePipelines", "SluiceModels", "SluiceTensors"]),
    ]
)
