// Helpers shared by the bf16 and int8 kernels (not part of the module's interface).
#ifndef SLUICE_LOWP_SIMD_H
#define SLUICE_LOWP_SIMD_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SLUICE_LOWP_X86 1

__attribute__((target("avx2,fma"))) static inline float lowp_hsum256(__m256 v) {
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    __m128 shuf = _mm_movehdup_ps(lo);
    __m128 sums = _mm_add_ps(lo, shuf);
    shuf = _mm_movehl_ps(shuf, sums);
    return _mm_cvtss_f32(_mm_add_ss(sums, shuf));
}
#endif

// Up to this many input rows share one pass over the weights; more rows go in blocks of it.
enum { LOWP_MAX_M = 8 };

#endif
