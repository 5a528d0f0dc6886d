// The bf16 and int8 weight-streaming kernels for up to 8 input rows on AVX-512: four weight
// rows per step (two from 5 input rows on, so at most 16 accumulators), each widened to f32
// once in registers and used by every input row, so that several streams of weights are in
// flight (one row at a time leaves a long k = 3072 row at 11–18 GB/s) and each input vector
// is loaded once for all of them.
#include "lowp_simd.h"
#include "sluice_cpu.h"

#include <string.h>

#ifdef SLUICE_LOWP_X86
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

// 16 weights from `index` on, widened to f32.
AVX512 __attribute__((always_inline)) static inline __m512 widen16(const void *w, size_t index, const int kind) {
    if (kind == LOWP_BF16) {
        __m256i half = _mm256_loadu_si256((const __m256i *)((const uint16_t *)w + index));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
    }
    __m128i bytes = _mm_loadu_si128((const __m128i *)((const int8_t *)w + index));
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(bytes));
}

static inline float widen1(const void *w, size_t index, const int kind) {
    if (kind == LOWP_BF16) {
        uint32_t bits = (uint32_t)((const uint16_t *)w)[index] << 16;
        float value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    return (float)((const int8_t *)w)[index];
}

// Weight rows [n0, n0 + R) against M input rows: out[i, n] = scale_n · (x_i · w_n) + bias_n,
// scale_n = 1 for bf16.
AVX512 __attribute__((always_inline)) static inline void
lowp_rows(float *out, const float *x, const void *w, const float *scales, const float *bias, size_t k,
          size_t n_total, size_t n0, const int M, const int R, const int kind) {
    __m512 acc[4][8];
    for (int r = 0; r < R; r++)
        for (int i = 0; i < M; i++) acc[r][i] = _mm512_setzero_ps();
    size_t k16 = k & ~(size_t)15;
    _Pragma("clang loop unroll(disable)")
    for (size_t p = 0; p < k16; p += 16) {
        __m512 xv[8];
        for (int i = 0; i < M; i++) xv[i] = _mm512_loadu_ps(x + (size_t)i * k + p);
        for (int r = 0; r < R; r++) {
            __m512 wv = widen16(w, (n0 + (size_t)r) * k + p, kind);
            for (int i = 0; i < M; i++) acc[r][i] = _mm512_fmadd_ps(wv, xv[i], acc[r][i]);
        }
    }
    for (int r = 0; r < R; r++) {
        size_t n = n0 + (size_t)r;
        for (int i = 0; i < M; i++) {
            float s = _mm512_reduce_add_ps(acc[r][i]);
            for (size_t p = k16; p < k; p++) s += x[(size_t)i * k + p] * widen1(w, n * k + p, kind);
            if (kind == LOWP_INT8) s = scales[n] * s;
            out[(size_t)i * n_total + n] = s + (bias ? bias[n] : 0.0f);
        }
    }
}

#define LOWP_KERNEL(M, kind, name)                                                                            \
    AVX512 static void name##_m##M(float *out, const float *x, const void *w, const float *scales,            \
                                   const float *bias, size_t k, size_t n_total, size_t n_begin, size_t n_end) { \
        const int R = M <= 4 ? 4 : 2;                                                                         \
        size_t n = n_begin;                                                                                   \
        for (; n + R <= n_end; n += R) lowp_rows(out, x, w, scales, bias, k, n_total, n, M, R, kind);         \
        for (; n < n_end; n++) lowp_rows(out, x, w, scales, bias, k, n_total, n, M, 1, kind);                 \
    }
#define LOWP_KERNELS(kind, name) \
    LOWP_KERNEL(1, kind, name)   \
    LOWP_KERNEL(2, kind, name)   \
    LOWP_KERNEL(3, kind, name)   \
    LOWP_KERNEL(4, kind, name)   \
    LOWP_KERNEL(5, kind, name)   \
    LOWP_KERNEL(6, kind, name)   \
    LOWP_KERNEL(7, kind, name)   \
    LOWP_KERNEL(8, kind, name)
LOWP_KERNELS(LOWP_BF16, bf16)
LOWP_KERNELS(LOWP_INT8, int8)

typedef void (*lowp_kernel)(float *, const float *, const void *, const float *, const float *, size_t, size_t,
                            size_t, size_t);
static const lowp_kernel kernels[2][9] = {
    {0, bf16_m1, bf16_m2, bf16_m3, bf16_m4, bf16_m5, bf16_m6, bf16_m7, bf16_m8},
    {0, int8_m1, int8_m2, int8_m3, int8_m4, int8_m5, int8_m6, int8_m7, int8_m8},
};
#endif

int lowp_linear_avx512(int kind, float *out, const float *x, const void *w, const float *scales,
                       const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end) {
#ifdef SLUICE_LOWP_X86
    if (m >= 1 && m <= 8 && sluice_cpu_has_avx512()) {
        kernels[kind][m](out, x, w, scales, bias, k, n_total, n_begin, n_end);
        return 1;
    }
#endif
    (void)kind, (void)out, (void)x, (void)w, (void)scales, (void)bias, (void)m, (void)k, (void)n_total,
        (void)n_begin, (void)n_end;
    return 0;
}
