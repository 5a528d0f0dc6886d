#ifndef SLUICE_CPU_H
#define SLUICE_CPU_H

/// 1 when this processor (and the OS) runs AVX-512 F, BW, VL and DQ instructions: what
/// OpenBLAS's SkylakeX kernels need. 0 otherwise, and on every other architecture.
int sluice_cpu_has_avx512(void);

/// 1 when the kernels' AVX2 + FMA paths run on this processor, 0 when the portable ones do.
int sluice_kernels_use_avx2(void);

/// The kernel families whose AVX-512 paths can be switched off, each separately: the AVX-512
/// path is not always the faster one (AVX-512 on 256-bit units runs each instruction in two
/// halves), so the executable measures both at start-up (`KernelChoice` in SluiceTensors).
enum {
    SLUICE_KERNELS_STREAM,       // linear_stream.c: the long-row kernels for 2–6 rows
    SLUICE_KERNELS_WIDE,         // linear_wide.c, against cblas_sgemm
    SLUICE_KERNELS_ATTENTION,    // attention.c: direct heads and the blocked kernel
    SLUICE_KERNELS_ELEMENTWISE,  // elementwise.c: GELU and SiLU
    SLUICE_KERNELS_LOWP,         // lowp_stream.c: bf16 and int8 weights for 1–8 rows
    SLUICE_KERNEL_FAMILIES
};

/// 1 when `family` runs its AVX-512 path: the processor has AVX-512 (`sluice_cpu_has_avx512`)
/// and the path is not switched off (it is on until `sluice_kernels_set_avx512` says otherwise).
int sluice_kernels_use_avx512(int family);

/// Switches `family`'s AVX-512 path on (1) or off (0). Every thread sees the change at its next
/// kernel call; set it before computing, as a model's layers should not mix paths mid-pass
/// (each path is exact on its own).
void sluice_kernels_set_avx512(int family, int on);

#endif
