import CBLAS
import CSluiceKernels

#if canImport(Glibc)
import Glibc
#endif

/// Which of OpenBLAS's kernels multiply here. Debian's OpenBLAS (0.3.21) picks them by the
/// processor's model number when it loads, and on a processor newer than itself it falls back
/// to its oldest x86-64 kernels (SSE3, "Prescott"): on an Emerald Rapids Xeon (model 207) its
/// products ran 3–5 times slower than its AVX-512 ones, and DeBERTa's relative-position
/// products, which go through OpenBLAS, made a 32-text batch 18 % slower. Only
/// `OPENBLAS_CORETYPE`, read as the library loads, changes the choice.
public enum BLASKernels {
    /// OpenBLAS's name for the kernels it chose ("SkylakeX", "Haswell", "Prescott", …).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Kernel sets older than AVX2 + FMA: what OpenBLAS falls back to on a model it does not know.
    static let fallbacks: Set<String> = [
        "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Atom", "Katmai", "Coppermine",
        "Northwood", "Banias", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Bulldozer",
        "Piledriver", "Steamroller",
    ]

    /// The kernels to ask for when OpenBLAS has fallen back to older ones than this processor
    /// runs (SkylakeX with AVX-512, Haswell with AVX2 + FMA); nil when its choice stands or
    /// `OPENBLAS_CORETYPE` is already set (by the user, or by a restart).
    public static var betterCoreType: String? {
        guard getenv("OPENBLAS_CORETYPE") == nil, fallbacks.contains(coreName) else { return nil }
        if sluice_cpu_has_avx512() != 0 { return "SkylakeX" }
        if sluice_kernels_use_avx2() != 0 { return "Haswell" }
        return nil
    }

    /// Starts this executable again, with the same arguments, with `OPENBLAS_CORETYPE` set to
    /// `betterCoreType` when there is one; returns (doing nothing) when there is none or the
    /// restart fails. Call it first thing in `main`. Setting `OPENBLAS_CORETYPE` beforehand
    /// keeps one process (under valgrind or a debugger, which would lose track of the restart).
    public static func restartWithBetterKernels() {
        #if os(Linux)
        guard let core = betterCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the restart failed; go on with the kernels OpenBLAS chose.
        unsetenv("OPENBLAS_CORETYPE")
        #endif
    }
}
