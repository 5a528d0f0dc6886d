// Self-attention of one short sequence, every head, without matrix-product calls: for a few
// tokens the scores are a handful of dot products, and two BLAS calls per head cost more than
// the arithmetic. The scores go through sluice_softmax_rows, as on the BLAS path.
#include "sluice_attention.h"

#include "sluice_elementwise.h"
#include "sluice_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SLUICE_X86 1
#endif

static float dot_portable(const float *a, const float *b, size_t n) {
    float sum = 0;
    for (size_t c = 0; c < n; c++) sum += a[c] * b[c];
    return sum;
}

// acc[0..<n] += p · v[0..<n]
static void axpy_portable(float *acc, float p, const float *v, size_t n) {
    for (size_t c = 0; c < n; c++) acc[c] += p * v[c];
}

#ifdef SLUICE_X86
#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static float dot_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t c = 0;
    for (; c + 16 <= n; c += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c), _mm256_loadu_ps(b + c), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c + 8), _mm256_loadu_ps(b + c + 8), s1);
    }
    for (; c + 8 <= n; c += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c), _mm256_loadu_ps(b + c), s0);
    __m256 s = _mm256_add_ps(s0, s1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float sum = _mm_cvtss_f32(h);
    for (; c < n; c++) sum += a[c] * b[c];
    return sum;
}

AVX2 static void axpy_avx2(float *acc, float p, const float *v, size_t n) {
    __m256 vp = _mm256_set1_ps(p);
    size_t c = 0;
    for (; c + 8 <= n; c += 8)
        _mm256_storeu_ps(acc + c, _mm256_fmadd_ps(vp, _mm256_loadu_ps(v + c), _mm256_loadu_ps(acc + c)));
    for (; c < n; c++) acc[c] += p * v[c];
}
#endif

void sluice_attention_direct(float *out, size_t ldOut, const float *q, const float *k, const float *v,
                             size_t ldQKV, size_t t, size_t heads, size_t headDim, float scale,
                             const float *relativeBias, size_t span, float *scores) {
    float (*dot)(const float *, const float *, size_t) = dot_portable;
    void (*axpy)(float *, float, const float *, size_t) = axpy_portable;
#ifdef SLUICE_X86
    if (sluice_kernels_use_avx2()) {
        dot = dot_avx2;
        axpy = axpy_avx2;
    }
#endif
    for (size_t h = 0; h < heads; h++) {
        const float *qh = q + h * headDim, *kh = k + h * headDim, *vh = v + h * headDim;
        for (size_t i = 0; i < t; i++) {
            float *row = scores + i * t;
            for (size_t j = 0; j < t; j++) row[j] = scale * dot(qh + i * ldQKV, kh + j * ldQKV, headDim);
            if (relativeBias) {
                // bias for j − i = r sits at h·(2·span − 1) + span − 1 + r
                const float *rowBias = relativeBias + h * (2 * span - 1) + span - 1 - i;
                for (size_t j = 0; j < t; j++) row[j] += rowBias[j];
            }
        }
        sluice_softmax_rows(scores, t, t);
        for (size_t i = 0; i < t; i++) {
            float *o = out + i * ldOut + h * headDim;
            for (size_t c = 0; c < headDim; c++) o[c] = 0;
            for (size_t j = 0; j < t; j++) axpy(o, scores[i * t + j], vh + j * ldQKV, headDim);
        }
    }
}
