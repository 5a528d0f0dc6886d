// Helpers shared by the bf16 and int8 kernels (not part of the module's interface).
#ifndef SLUICE_LOWP_SIMD_H
#define SLUICE_LOWP_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include <math.h>
#include <string.h>

#include "sluice_cpu.h"

// A bf16 value is the top half of an f32: widening is a 16-bit shift and exact.
static inline float lowp_f32_from_bf16(uint16_t value) {
    uint32_t bits = (uint32_t)value << 16;
    float out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

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

// 8 bf16 values widened to f32.
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 lowp_load_bf16x8(const uint16_t *p) {
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

// 16 int8 values widened to two vectors of 8 f32.
__attribute__((target("avx2,fma"), always_inline)) static inline void lowp_load_int8x16(const int8_t *p, __m256 *lo,
                                                                                         __m256 *hi) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)p);
    *lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
    *hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(bytes, 8)));
}
#endif

// An entry point's choice of kernel at run time: `avx2(...)` where the kernels' AVX2 + FMA
// paths run, `portable(...)` otherwise (always, off x86, where no AVX2 kernel is compiled).
#ifdef SLUICE_LOWP_X86
#define LOWP_AVX2_OR_PORTABLE(avx2, portable, ...)                                                              \
    do {                                                                                                        \
        if (sluice_kernels_use_avx2())                                                                          \
            avx2(__VA_ARGS__);                                                                                  \
        else                                                                                                    \
            portable(__VA_ARGS__);                                                                              \
    } while (0)
#else
#define LOWP_AVX2_OR_PORTABLE(avx2, portable, ...) portable(__VA_ARGS__)
#endif

// Up to this many input rows share one pass over the weights; more rows go in blocks of it,
// over tiles of LOWP_TILE_N weight rows (64 · 768 · 2 bytes = 96 KB of bf16 at bert-base's width).
enum { LOWP_MAX_M = 8, LOWP_TILE_N = 64 };

// The weight formats of lowp_stream.c.
enum { LOWP_BF16, LOWP_INT8 };

#endif
