// Weight-streaming linear layer for small batches. The portable path is plain C; the AVX2 +
// FMA path is compiled for those instructions only in its own function (target attribute)
// and chosen at run time, so the binary runs correctly on any x86-64 and fast on most.
#include "sluice_linear.h"

#include "sluice_cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SLUICE_X86 1
#endif

enum { MAX_M = 8 };

static void linear_small_m_portable(float *out, const float *x, const float *w, const float *bias, size_t m,
                                    size_t k, size_t n_total, size_t n_begin, size_t n_end) {
    for (size_t n = n_begin; n < n_end; n++) {
        const float *row = w + n * k;
        for (size_t i = 0; i < m; i++) {
            const float *xi = x + i * k;
            float s = 0;
            for (size_t p = 0; p < k; p++) s += xi[p] * row[p];
            out[i * n_total + n] = s + (bias ? bias[n] : 0.0f);
        }
    }
}

#ifdef SLUICE_X86
__attribute__((target("avx2,fma"))) static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v);
    __m128 hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    __m128 shuf = _mm_movehdup_ps(lo);
    __m128 sums = _mm_add_ps(lo, shuf);
    shuf = _mm_movehl_ps(shuf, sums);
    sums = _mm_add_ss(sums, shuf);
    return _mm_cvtss_f32(sums);
}

// R weight rows at a time against exactly M input rows: R·M accumulators, R weight loads and
// M input loads per 8 columns. M and R are compile-time constants, so the loops over them unroll
// and the accumulators stay in registers. Measured on a 2-core AVX2 machine (K = 768,
// N = 3072, two threads): R = 1 streams 41–47 GB/s for M = 1…5 (the read loop's rate) and
// 33–35 GB/s for M = 6, but only 16–19 GB/s for M = 7, 8; R = 2 or 4 was slower for every M
// (23–33 GB/s), so every M uses R = 1. Which M go to BLAS instead: `smallBatchRowLimit`.
__attribute__((target("avx2,fma"), always_inline)) static inline void
linear_block_avx2(float *out, const float *x, const float *w, const float *bias, size_t k, size_t n_total,
                  size_t n_begin, size_t n_end, const int M, const int R) {
    size_t k8 = k & ~(size_t)7;
    size_t n = n_begin;
    for (; n + (size_t)R <= n_end; n += (size_t)R) {
        __m256 acc[4][MAX_M];
        for (int r = 0; r < R; r++)
            for (int i = 0; i < M; i++) acc[r][i] = _mm256_setzero_ps();
        _Pragma("clang loop unroll(disable)")
        for (size_t p = 0; p < k8; p += 8) {
            __m256 vw[4];
            for (int r = 0; r < R; r++) vw[r] = _mm256_loadu_ps(w + (n + r) * k + p);
            for (int i = 0; i < M; i++) {
                __m256 vx = _mm256_loadu_ps(x + i * k + p);
                for (int r = 0; r < R; r++) acc[r][i] = _mm256_fmadd_ps(vw[r], vx, acc[r][i]);
            }
        }
        for (int r = 0; r < R; r++) {
            const float *wr = w + (n + r) * k;
            for (int i = 0; i < M; i++) {
                float s = hsum256(acc[r][i]);
                for (size_t p = k8; p < k; p++) s += x[i * k + p] * wr[p];
                out[i * n_total + n + r] = s + (bias ? bias[n + r] : 0.0f);
            }
        }
    }
    if (n < n_end) linear_small_m_portable(out, x, w, bias, (size_t)M, k, n_total, n, n_end);
}

// Rows of k ≥ 2048 with AVX-512: R = 4 weight rows against M ≤ 6 input rows, 16 columns at a
// time (R·M accumulators, R weights and one input fit in the 32 registers). At k = 3072 the
// input rows (M · 12 KiB) no longer stay in L1 beside the stream, and the AVX2 kernel above,
// which loads each input vector once per weight row, fell to 26 GB/s at M = 4; loading it once
// per 4 rows streams at 45 GB/s (Zen 5, two threads, read loop ~65 GB/s). At k = 768 the AVX2
// kernel stays ahead (59 against 43 GB/s at M = 4), so this one is only for long rows.
enum { LONG_ROW = 2048, LONG_ROW_MAX_M = 6 };

__attribute__((target("avx512f"), always_inline)) static inline void
linear_long_rows_avx512(float *out, const float *x, const float *w, const float *bias, size_t k,
                        size_t n_total, size_t n_begin, size_t n_end, const int M) {
    enum { R = 4 };
    size_t k16 = k & ~(size_t)15;
    size_t n = n_begin;
    for (; n + R <= n_end; n += R) {
        __m512 acc[R][LONG_ROW_MAX_M];
        for (int r = 0; r < R; r++)
            for (int i = 0; i < M; i++) acc[r][i] = _mm512_setzero_ps();
        _Pragma("clang loop unroll(disable)")
        for (size_t p = 0; p < k16; p += 16) {
            __m512 vw[R];
            for (int r = 0; r < R; r++) vw[r] = _mm512_loadu_ps(w + (n + r) * k + p);
            for (int i = 0; i < M; i++) {
                __m512 vx = _mm512_loadu_ps(x + i * k + p);
                for (int r = 0; r < R; r++) acc[r][i] = _mm512_fmadd_ps(vw[r], vx, acc[r][i]);
            }
        }
        for (int r = 0; r < R; r++) {
            const float *wr = w + (n + r) * k;
            for (int i = 0; i < M; i++) {
                float s = _mm512_reduce_add_ps(acc[r][i]);
                for (size_t p = k16; p < k; p++) s += x[i * k + p] * wr[p];
                out[i * n_total + n + r] = s + (bias ? bias[n + r] : 0.0f);
            }
        }
    }
    if (n < n_end) linear_small_m_portable(out, x, w, bias, (size_t)M, k, n_total, n, n_end);
}

#define SLUICE_LONG_ROW_KERNEL(M)                                                                          \
    __attribute__((target("avx512f"))) static void linear_long_m##M##_avx512(                              \
        float *out, const float *x, const float *w, const float *bias, size_t k, size_t n_total,           \
        size_t n_begin, size_t n_end) {                                                                    \
        linear_long_rows_avx512(out, x, w, bias, k, n_total, n_begin, n_end, M);                           \
    }
SLUICE_LONG_ROW_KERNEL(1)
SLUICE_LONG_ROW_KERNEL(2)
SLUICE_LONG_ROW_KERNEL(3)
SLUICE_LONG_ROW_KERNEL(4)
SLUICE_LONG_ROW_KERNEL(5)
SLUICE_LONG_ROW_KERNEL(6)

#define SLUICE_BLOCK_KERNEL(M, R)                                                                          \
    __attribute__((target("avx2,fma"))) static void linear_m##M##_avx2(float *out, const float *x,         \
                                                                      const float *w, const float *bias,   \
                                                                      size_t k, size_t n_total,            \
                                                                      size_t n_begin, size_t n_end) {      \
        linear_block_avx2(out, x, w, bias, k, n_total, n_begin, n_end, M, R);                              \
    }
SLUICE_BLOCK_KERNEL(1, 1)
SLUICE_BLOCK_KERNEL(2, 1)
SLUICE_BLOCK_KERNEL(3, 1)
SLUICE_BLOCK_KERNEL(4, 1)
SLUICE_BLOCK_KERNEL(5, 1)
SLUICE_BLOCK_KERNEL(6, 1)
SLUICE_BLOCK_KERNEL(7, 1)
SLUICE_BLOCK_KERNEL(8, 1)

typedef void (*block_kernel)(float *, const float *, const float *, const float *, size_t, size_t, size_t,
                             size_t);
static const block_kernel block_kernels[MAX_M + 1] = {
    0, linear_m1_avx2, linear_m2_avx2, linear_m3_avx2, linear_m4_avx2,
    linear_m5_avx2, linear_m6_avx2, linear_m7_avx2, linear_m8_avx2,
};
static const block_kernel long_row_kernels[LONG_ROW_MAX_M + 1] = {
    0, linear_long_m1_avx512, linear_long_m2_avx512, linear_long_m3_avx512,
    linear_long_m4_avx512, linear_long_m5_avx512, linear_long_m6_avx512,
};
#endif

void sluice_linear_small_m(float *out, const float *x, const float *w, const float *bias, size_t m, size_t k,
                           size_t n_total, size_t n_begin, size_t n_end) {
#ifdef SLUICE_X86
    if (sluice_kernels_use_avx2()) {
        // Blocks of up to 8 input rows; beyond 8 the weights are streamed once per block.
        for (size_t i = 0; i < m; i += MAX_M) {
            size_t mi = m - i < MAX_M ? m - i : MAX_M;
            block_kernel kernel = block_kernels[mi];
            if (k >= LONG_ROW && mi >= 2 && mi <= LONG_ROW_MAX_M &&
                sluice_kernels_use_avx512(SLUICE_KERNELS_STREAM))
                kernel = long_row_kernels[mi];
            kernel(out + i * n_total, x + i * k, w, bias, k, n_total, n_begin, n_end);
        }
        return;
    }
#endif
    linear_small_m_portable(out, x, w, bias, m, k, n_total, n_begin, n_end);
}
