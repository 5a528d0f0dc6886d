// The weight-streaming linear layer for bf16 and int8 weights (f32 inputs), for small
// batches: each weight read once and widened to f32 in registers, the bytes read per pass 1/2
// (bf16) or 1/4 (int8) of f32. One source for both formats: `kind` (LOWP_BF16, LOWP_INT8) is
// a constant at every call of the inlined kernels, so each format compiles to its own loop.
//
// - AVX-512, 1–8 input rows: four weight rows per step (two from 5 input rows on, so at most
//   16 accumulators), each widened once and used by every input row, so that several streams
//   of weights are in flight (one row at a time leaves a long k = 3072 row at 11–18 GB/s) and
//   each input vector is loaded once for all of them.
// - AVX2 + FMA: one weight row at a time against up to 8 input rows; beyond 8 rows, each tile
//   of weight rows (in L2) serves every block of 8 input rows before the next tile is read.
// - Portable C otherwise.
#include "lowp_simd.h"
#include "sluice_cpu.h"
#include "sluice_lowp_linear.h"

// The weight at `index`, widened to f32.
static inline float widen1(const void *w, size_t index, const int kind) {
    if (kind == LOWP_BF16) return lowp_f32_from_bf16(((const uint16_t *)w)[index]);
    return (float)((const int8_t *)w)[index];
}

// out[i, n] = scale_n · (x_i · w_n) + bias_n, with scale_n = 1 for bf16.
static inline void store_output(float *out, size_t n_total, int i, size_t n, float dot, const float *scales,
                                const float *bias, const int kind) {
    if (kind == LOWP_INT8) dot = scales[n] * dot;
    out[(size_t)i * n_total + n] = dot + (bias ? bias[n] : 0.0f);
}

static void linear_portable(int kind, float *out, const float *x, const void *w, const float *scales,
                            const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end) {
    for (size_t n = n_begin; n < n_end; n++)
        for (size_t i = 0; i < m; i++) {
            float s = 0;
            for (size_t p = 0; p < k; p++) s += x[i * k + p] * widen1(w, n * k + p, kind);
            store_output(out, n_total, (int)i, n, s, scales, bias, kind);
        }
}

#ifdef SLUICE_LOWP_X86
#define AVX2 __attribute__((target("avx2,fma")))

// 16 weights from `index` on, widened to two vectors of 8 f32.
AVX2 __attribute__((always_inline)) static inline void widen16_avx2(const void *w, size_t index, const int kind,
                                                                    __m256 *lo, __m256 *hi) {
    if (kind == LOWP_BF16) {
        *lo = lowp_load_bf16x8((const uint16_t *)w + index);
        *hi = lowp_load_bf16x8((const uint16_t *)w + index + 8);
    } else {
        lowp_load_int8x16((const int8_t *)w + index, lo, hi);
    }
}

// One weight row at a time against exactly M input rows, 16 columns per step. Up to 4 rows
// keep two accumulators per input row, so that even M = 1 has two FMA chains in flight (one
// chain is bound by the FMA latency, below the memory rate); larger M has M chains already and
// not enough registers for 2·M. Per 16 weights: the loads and widenings, 2·M FMA.
AVX2 __attribute__((always_inline)) static inline void
block_avx2(float *out, const float *x, const void *w, const float *scales, const float *bias, size_t k,
           size_t n_total, size_t n_begin, size_t n_end, const int M, const int kind) {
    const int split = M <= 4;
    size_t k16 = k & ~(size_t)15;
    for (size_t n = n_begin; n < n_end; n++) {
        __m256 acc0[LOWP_MAX_M], acc1[LOWP_MAX_M];
        for (int i = 0; i < M; i++) {
            acc0[i] = _mm256_setzero_ps();
            acc1[i] = _mm256_setzero_ps();
        }
        _Pragma("clang loop unroll(disable)")
        for (size_t p = 0; p < k16; p += 16) {
            __m256 w0, w1;
            widen16_avx2(w, n * k + p, kind, &w0, &w1);
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
            for (size_t p = k16; p < k; p++) s += x[i * k + p] * widen1(w, n * k + p, kind);
            store_output(out, n_total, i, n, s, scales, bias, kind);
        }
    }
}

#define AVX2_KERNEL(M, kind, name)                                                                            \
    AVX2 static void name##_avx2_m##M(float *out, const float *x, const void *w, const float *scales,         \
                                      const float *bias, size_t k, size_t n_total, size_t n_begin,             \
                                      size_t n_end) {                                                          \
        block_avx2(out, x, w, scales, bias, k, n_total, n_begin, n_end, M, kind);                              \
    }
// One kernel per input-row count 1 … LOWP_MAX_M (8) for each format, and the table of them
// that the dispatch indexes by [kind][m]: written once for both instruction sets.
#define LOWP_EACH_M(KERNEL, kind, name)                                                                        \
    KERNEL(1, kind, name) KERNEL(2, kind, name) KERNEL(3, kind, name) KERNEL(4, kind, name)                  \
        KERNEL(5, kind, name) KERNEL(6, kind, name) KERNEL(7, kind, name) KERNEL(8, kind, name)
#define LOWP_ROW(name, isa)                                                                                    \
    {0, name##_##isa##_m1, name##_##isa##_m2, name##_##isa##_m3, name##_##isa##_m4, name##_##isa##_m5,       \
     name##_##isa##_m6, name##_##isa##_m7, name##_##isa##_m8}
#define LOWP_TABLE(isa) {LOWP_ROW(bf16, isa), LOWP_ROW(int8, isa)}

LOWP_EACH_M(AVX2_KERNEL, LOWP_BF16, bf16)
LOWP_EACH_M(AVX2_KERNEL, LOWP_INT8, int8)

typedef void (*lowp_kernel)(float *, const float *, const void *, const float *, const float *, size_t, size_t,
                            size_t, size_t);
static const lowp_kernel avx2_kernels[2][LOWP_MAX_M + 1] = LOWP_TABLE(avx2);

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

// 16 weights from `index` on, widened to one vector of f32.
AVX512 __attribute__((always_inline)) static inline __m512 widen16(const void *w, size_t index, const int kind) {
    if (kind == LOWP_BF16) {
        __m256i half = _mm256_loadu_si256((const __m256i *)((const uint16_t *)w + index));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
    }
    __m128i bytes = _mm_loadu_si128((const __m128i *)((const int8_t *)w + index));
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(bytes));
}

// Weight rows [n0, n0 + R) against M input rows.
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
            store_output(out, n_total, i, n, s, scales, bias, kind);
        }
    }
}

#define AVX512_KERNEL(M, kind, name)                                                                            \
    AVX512 static void name##_avx512_m##M(float *out, const float *x, const void *w, const float *scales,            \
                                   const float *bias, size_t k, size_t n_total, size_t n_begin, size_t n_end) { \
        const int R = M <= 4 ? 4 : 2;                                                                         \
        size_t n = n_begin;                                                                                   \
        for (; n + R <= n_end; n += R) lowp_rows(out, x, w, scales, bias, k, n_total, n, M, R, kind);         \
        for (; n < n_end; n++) lowp_rows(out, x, w, scales, bias, k, n_total, n, M, 1, kind);                 \
    }
LOWP_EACH_M(AVX512_KERNEL, LOWP_BF16, bf16)
LOWP_EACH_M(AVX512_KERNEL, LOWP_INT8, int8)

static const lowp_kernel avx512_kernels[2][LOWP_MAX_M + 1] = LOWP_TABLE(avx512);
#endif

static void linear_small_m(int kind, float *out, const float *x, const void *w, const float *scales,
                           const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end) {
#ifdef SLUICE_LOWP_X86
    if (m >= 1 && m <= 8 && sluice_kernels_use_avx512(SLUICE_KERNELS_LOWP)) {
        avx512_kernels[kind][m](out, x, w, scales, bias, k, n_total, n_begin, n_end);
        return;
    }
    if (sluice_kernels_use_avx2()) {
        for (size_t n0 = n_begin; n0 < n_end; n0 += LOWP_TILE_N) {
            size_t n1 = n_end - n0 < LOWP_TILE_N ? n_end : n0 + LOWP_TILE_N;
            for (size_t i = 0; i < m; i += LOWP_MAX_M) {
                size_t mi = m - i < LOWP_MAX_M ? m - i : LOWP_MAX_M;
                avx2_kernels[kind][mi](out + i * n_total, x + i * k, w, scales, bias, k, n_total, n0, n1);
            }
        }
        return;
    }
#endif
    linear_portable(kind, out, x, w, scales, bias, m, k, n_total, n_begin, n_end);
}

void sluice_linear_bf16_small_m(float *out, const float *x, const uint16_t *w, const float *bias, size_t m,
                                size_t k, size_t n_total, size_t n_begin, size_t n_end) {
    linear_small_m(LOWP_BF16, out, x, w, NULL, bias, m, k, n_total, n_begin, n_end);
}

void sluice_linear_int8_small_m(float *out, const float *x, const int8_t *w, const float *scales,
                                const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin,
                                size_t n_end) {
    linear_small_m(LOWP_INT8, out, x, w, scales, bias, m, k, n_total, n_begin, n_end);
}
