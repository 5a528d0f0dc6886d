// Weight-streaming linear layer for small batches. The portable path is plain C; the AVX2 +
// FMA path is compiled for those instructions only in its own function (target attribute)
// and chosen at run time, so the binary runs correctly on any x86-64 and fast on most.
#include "sluice_kernels.h"

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

// Two weight rows at a time against up to 4 input rows: 8 accumulators, 2 weight loads and
// up to 4 input loads per 8 columns.
__attribute__((target("avx2,fma"))) static void linear_small_m_avx2(float *out, const float *x, const float *w,
                                                                     const float *bias, size_t m, size_t k,
                                                                     size_t n_total, size_t n_begin,
                                                                     size_t n_end) {
    size_t k8 = k & ~(size_t)7;
    for (size_t i0 = 0; i0 < m; i0 += 4) {
        size_t mi = m - i0 < 4 ? m - i0 : 4;
        const float *x0 = x + (i0 + 0) * k;
        const float *x1 = x + (i0 + (mi > 1 ? 1 : 0)) * k;
        const float *x2 = x + (i0 + (mi > 2 ? 2 : 0)) * k;
        const float *x3 = x + (i0 + (mi > 3 ? 3 : 0)) * k;
        size_t n = n_begin;
        for (; n + 2 <= n_end; n += 2) {
            const float *wa = w + n * k;
            const float *wb = wa + k;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (size_t p = 0; p < k8; p += 8) {
                __m256 va = _mm256_loadu_ps(wa + p);
                __m256 vb = _mm256_loadu_ps(wb + p);
                __m256 v0 = _mm256_loadu_ps(x0 + p);
                a0 = _mm256_fmadd_ps(va, v0, a0);
                b0 = _mm256_fmadd_ps(vb, v0, b0);
                __m256 v1 = _mm256_loadu_ps(x1 + p);
                a1 = _mm256_fmadd_ps(va, v1, a1);
                b1 = _mm256_fmadd_ps(vb, v1, b1);
                __m256 v2 = _mm256_loadu_ps(x2 + p);
                a2 = _mm256_fmadd_ps(va, v2, a2);
                b2 = _mm256_fmadd_ps(vb, v2, b2);
                __m256 v3 = _mm256_loadu_ps(x3 + p);
                a3 = _mm256_fmadd_ps(va, v3, a3);
                b3 = _mm256_fmadd_ps(vb, v3, b3);
            }
            float sa[4] = {hsum256(a0), hsum256(a1), hsum256(a2), hsum256(a3)};
            float sb[4] = {hsum256(b0), hsum256(b1), hsum256(b2), hsum256(b3)};
            const float *xs[4] = {x0, x1, x2, x3};
            for (size_t i = 0; i < mi; i++) {
                for (size_t p = k8; p < k; p++) {
                    sa[i] += xs[i][p] * wa[p];
                    sb[i] += xs[i][p] * wb[p];
                }
                out[(i0 + i) * n_total + n] = sa[i] + (bias ? bias[n] : 0.0f);
                out[(i0 + i) * n_total + n + 1] = sb[i] + (bias ? bias[n + 1] : 0.0f);
            }
        }
        if (n < n_end) {
            linear_small_m_portable(out + i0 * n_total, x + i0 * k, w, bias, mi, k, n_total, n, n_end);
        }
    }
}
#endif

int sluice_kernels_use_avx2(void) {
#ifdef SLUICE_X86
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
#else
    return 0;
#endif
}

void sluice_linear_small_m(float *out, const float *x, const float *w, const float *bias, size_t m, size_t k,
                           size_t n_total, size_t n_begin, size_t n_end) {
#ifdef SLUICE_X86
    if (sluice_kernels_use_avx2()) {
        linear_small_m_avx2(out, x, w, bias, m, k, n_total, n_begin, n_end);
        return;
    }
#endif
    linear_small_m_portable(out, x, w, bias, m, k, n_total, n_begin, n_end);
}
