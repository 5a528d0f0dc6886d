// Helpers shared by the bf16 and int8 kernels (not part of the module's interface).
#ifndef SLUICE_LOWP_SIMD_H
#define SLUICE_LOWP_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include <math.h>

// Symmetric 8-bit quantization of one row: the scale max|row| / 127 (0 for an all-zero row).
static inline float lowp_row_scale(const float *row, size_t k) {
    float amax = 0;
    for (size_t c = 0; c < k; c++) amax = fmaxf(amax, fabsf(row[c]));
    return amax / 127.0f;
}

// round(value · inverse) clamped to [-127, 127], ties to even (nearbyintf in the default
// rounding mode, which vectorizes to one instruction).
static inline int lowp_quantize(float value, float inverse) {
    float q = nearbyintf(value * inverse);
    return (int)(q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q);
}

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

// Up to this many input rows share one pass over the weights; more rows go in blocks of it,
// over tiles of LOWP_TILE_N weight rows (64 · 768 · 2 bytes = 96 KB of bf16 at bert-base's width).
enum { LOWP_MAX_M = 8, LOWP_TILE_N = 64 };

// The weight formats of lowp_linear_avx512.
enum { LOWP_BF16, LOWP_INT8 };

// out = x · wᵀ (· the row's scale, for int8) + bias for 1 to 8 input rows on AVX-512
// (kernels_lowp_avx512.c); returns 0, computing nothing, for more rows or without AVX-512.
int lowp_linear_avx512(int kind, float *out, const float *x, const void *w, const float *scales,
                       const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end);

#endif
