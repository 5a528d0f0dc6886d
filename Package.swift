// swift-tools-version:6.1
import PackageDescription

// The build is portable x86-64: the C kernels compile their AVX2 + FMA paths per function and
// choose them at run time (CSluiceKernels), so no target-wide CPU flags are needed.
let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        // 2.101.3: the HTTP/1 encoder drops the body of an answer to HEAD (HTTP1ExchangeHandler relies on it).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // C kernels with an AVX2 + FMA path chosen at run time (a portable path otherwise).
        // Optimised in debug builds too: at -O0 the wide kernel's register tiles live in memory,
        // and a test's batch of 160 rows took ten times as long (the drain check: 36-40 s
        // against 3-5 s).
        .target(name: "CSluiceKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "SluiceTensors", dependencies: ["CBLAS", "CSluiceKernels"]),
        // The one JSON reader and writer; every target that reads or writes JSON uses it.
        .target(name: "SluiceJSON"),
        .target(name: "SluiceSafeTensors", dependencies: ["SluiceJSON"]),
        .target(name: "SluiceTokenizers", dependencies: ["SluiceJSON"]),
        .target(name: "SluiceModels", dependencies: ["SluiceTensors", "SluiceSafeTensors", "SluiceJSON"]),
        .target(name: "SluicePipelines", dependencies: ["SluiceTokenizers", "SluiceModels", "SluiceJSON"]),
        .systemLibrary(
            name: "CLibCrypto",
            path: "Sources/CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // A hub id to a folder in the Hugging Face cache, downloading what is missing.
        .target(
            name: "SluiceHub",
            dependencies: [
                "CLibCrypto",
                "SluiceJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SluiceScheduler",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "SluiceServer",
            dependencies: [
                "SluiceJSON",
                "SluicePipelines",
                "SluiceScheduler",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceHub",
                "SluiceJSON",
                "SluicePipelines",
                "SluiceScheduler",
                "SluiceServer",
                "SluiceTensors",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer targets (scripts/fuzz/run.sh); a normal build replays files through them.
        .executableTarget(
            name: "sluice-fuzz",
            dependencies: [
                "SluiceJSON", "SluiceModels", "SluicePipelines", "SluiceSafeTensors", "SluiceServer",
                "SluiceTensors", "SluiceTokenizers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Fuzz",
            exclude: ["corpus"]
        ),
        .testTarget(name: "SluiceJSONTests", dependencies: ["SluiceJSON"]),
        .testTarget(name: "SluiceHubTests", dependencies: ["SluiceHub", "SluiceJSON"]),
        .testTarget(name: "SluiceSafeTensorsTests", dependencies: ["SluiceSafeTensors", "SluiceJSON"]),
        .testTarget(
            name: "SluiceTokenizersTests",
            dependencies: ["SluiceTokenizers"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SluiceTensorsTests", dependencies: ["SluiceTensors"]),
        // Model fixtures live in Tests/Fixtures/models and are read by path (#filePath).
        .testTarget(name: "SluiceModelsTests", dependencies: ["SluiceModels", "SluiceJSON"]),
        .testTarget(name: "SluicePipelinesTests", dependencies: ["SluicePipelines", "SluiceJSON"]),
        .testTarget(
            name: "SluiceSchedulerTests",
            dependencies: ["SluiceScheduler", .product(name: "Metrics", package: "swift-metrics")]
        ),
        .testTarget(
            name: "SluiceServerTests",
            dependencies: [
                "SluiceJSON",
                "SluiceModels",
                "SluicePipelines",
                "SluiceScheduler",
                "SluiceServer",
                "SluiceTensors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
