#ifndef SLUICE_CPU_H
#define SLUICE_CPU_H

/// 1 when this processor (and the OS) runs AVX-512 F, BW, VL and DQ instructions: what
/// OpenBLAS's SkylakeX kernels need. 0 otherwise, and on every other architecture.
int sluice_cpu_has_avx512(void);

/// 1 when the kernels' AVX2 + FMA paths run on this processor, 0 when the portable ones do.
int sluice_kernels_use_avx2(void);

#endif
