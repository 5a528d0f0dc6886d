// bfloat16 weights computed in f32: conversion with round-to-nearest-even, and the
// weight-streaming linear layer for small batches. A bf16 value is the top half of an f32, so
// widening is a 16-bit shift and exact; only the narrowing rounds.
#include "sluice_lowp_kernels.h"
#include "sluice_kernels.h"
#include "lowp_simd.h"

#include <string.h>

static inline uint16_t bf16_from_f32(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);  // quiet NaN
    // Add just under half an ulp of bf16, plus one when the kept part is odd: ties go to even.
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static inline float f32_from_bf16(uint16_t value) {
    uint32_t bits = (uint32_t)value << 16;
    float out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

void sluice_f32_to_bf16(uint16_t *dst, const float *src, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = bf16_from_f32(src[i]);
}


static void linear_bf16_portable(float *out, const float *x, const uint16_t *w, const float *bias, size_t m,
                                 size_t k, size_t n_total, size_t n_begin, size_t n_end) {
    for (size_t n = n_begin; n < n_end; n++) {
        const uint16_t *row = w + n * k;
        for (size_t i = 0; i < m; i++) {
            const float *xi = x + i * k;
            float s = 0;
            for (size_t p = 0; p < k; p++) s += xi[p] * f32_from_bf16(row[p]);
            out[i * n_total + n] = s + (bias ? bias[n] : 0.0f);
        }
    }
}

#ifdef SLUICE_LOWP_X86
__attribute__((target("avx2,fma"), always_inline)) static inline __m256 load_bf16x8(const uint16_t *p) {
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

// One bf16 weight row against exactly M input rows, 16 columns per step. Up to 4 rows keep two
// accumulators per input row, so that even M = 1 has two FMA chains in flight (one chain is
// bound by the FMA latency: 16 bytes per 4 cycles, below the memory rate); larger M has M
// chains already and not enough registers for 2·M. Per 16 weights (32 bytes): 2 loads + 2
// widenings, 2·M FMA.
__attribute__((target("avx2,fma"), always_inline)) static inline void
linear_bf16_block_avx2(float *out, const float *x, const uint16_t *w, const float *bias, size_t k,
                       size_t n_total, size_t n_begin, size_t n_end, const int M) {
    const int split = M <= 4;
    size_t k16 = k & ~(size_t)15;
    for (size_t n = n_begin; n < n_end; n++) {
        const uint16_t *row = w + n * k;
        __m256 acc0[LOWP_MAX_M], acc1[LOWP_MAX_M];
        for (int i = 0; i < M; i++) {
            acc0[i] = _mm256_setzero_ps();
            acc1[i] = _mm256_setzero_ps();
        }
        _Pragma("clang loop unroll(disable)")
        for (size_t p = 0; p < k16; p += 16) {
            __m256 w0 = load_bf16x8(row + p);
            __m256 w1 = load_bf16x8(row + p + 8);
            for (int i = 0; i < M; i++) {
                const float *xi = x + i * k + p;
                acc0[i] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xi), acc0[i]);
                if (split)
                    acc1[i] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xi + 8), acc1[i]);
                else
                    acc0[i] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xi + 8), acc0[i]);
            }
        }
        for (int i = 0; i < M; i++) {
            float s = lowp_hsum256(split ? _mm256_add_ps(acc0[i], acc1[i]) : acc0[i]);
            for (size_t p = k16; p < k; p++) s += x[i * k + p] * f32_from_bf16(row[p]);
            out[i * n_total + n] = s + (bias ? bias[n] : 0.0f);
        }
    }
}

__attribute__((target("avx2,fma"))) static void bf16_to_f32_avx2(float *dst, const uint16_t *w, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, load_bf16x8(w + i));
    for (; i < count; i++) dst[i] = f32_from_bf16(w[i]);
}

#define SLUICE_BF16_KERNEL(M)                                                                                   \
    __attribute__((target("avx2,fma"))) static void linear_bf16_m##M##_avx2(                                  \
        float *out, const float *x, const uint16_t *w, const float *bias, size_t k, size_t n_total,             \
        size_t n_begin, size_t n_end) {                                                                         \
        linear_bf16_block_avx2(out, x, w, bias, k, n_total, n_begin, n_end, M);                                 \
    }
SLUICE_BF16_KERNEL(1)
SLUICE_BF16_KERNEL(2)
SLUICE_BF16_KERNEL(3)
SLUICE_BF16_KERNEL(4)
SLUICE_BF16_KERNEL(5)
SLUICE_BF16_KERNEL(6)
SLUICE_BF16_KERNEL(7)
SLUICE_BF16_KERNEL(8)

typedef void (*bf16_kernel)(float *, const float *, const uint16_t *, const float *, size_t, size_t, size_t,
                            size_t);
static const bf16_kernel bf16_kernels[LOWP_MAX_M + 1] = {
    0, linear_bf16_m1_avx2, linear_bf16_m2_avx2, linear_bf16_m3_avx2, linear_bf16_m4_avx2,
    linear_bf16_m5_avx2, linear_bf16_m6_avx2, linear_bf16_m7_avx2, linear_bf16_m8_avx2,
};
#endif

void sluice_bf16_to_f32(float *dst, const uint16_t *w, size_t count) {
#ifdef SLUICE_LOWP_X86
    if (sluice_kernels_use_avx2()) {
        bf16_to_f32_avx2(dst, w, count);
        return;
    }
#endif
    for (size_t i = 0; i < count; i++) dst[i] = f32_from_bf16(w[i]);
}

void sluice_linear_bf16_small_m(float *out, const float *x, const uint16_t *w, const float *bias, size_t m,
                                size_t k, size_t n_total, size_t n_begin, size_t n_end) {
    if (lowp_linear_avx512(LOWP_BF16, out, x, w, NULL, bias, m, k, n_total, n_begin, n_end)) return;
#ifdef SLUICE_LOWP_X86
    if (sluice_kernels_use_avx2()) {
        // Beyond 8 input rows, each tile of weight rows (in L2) serves every block of 8 input
        // rows before the next tile is read from memory.
        for (size_t n0 = n_begin; n0 < n_end; n0 += LOWP_TILE_N) {
            size_t n1 = n_end - n0 < LOWP_TILE_N ? n_end : n0 + LOWP_TILE_N;
            for (size_t i = 0; i < m; i += LOWP_MAX_M) {
                size_t mi = m - i < LOWP_MAX_M ? m - i : LOWP_MAX_M;
                bf16_kernels[mi](out + i * n_total, x + i * k, w, bias, k, n_total, n0, n1);
            }
        }
        return;
    }
#endif
    linear_bf16_portable(out, x, w, bias, m, k, n_total, n_begin, n_end);
}
