// Self-attention of one short sequence, every head, without matrix-product calls: for a few
// tokens the scores are a handful of dot products, and two BLAS calls per head cost more than
// the arithmetic. The scores go through sluice_softmax_rows, as on the BLAS path.
#include "sluice_attention.h"

#include <float.h>

#include "sluice_cpu.h"
#include "sluice_elementwise.h"

#include <math.h>

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

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

// One head, head width D = 16·V (V ≤ 4): each query's row of the head in V registers, its
// scores one reduction each, then its output accumulated in V registers over the keys.
#define DIRECT_HEAD(V)                                                                                         \
    AVX512 static void direct_head_##V(float *out, size_t ldOut, const float *qh, size_t ldQ, const float *kh, \
                                       const float *vh, size_t ldKV, size_t t, float scale,                  \
                                       const float *headBias, float *scores) {                               \
        for (size_t i = 0; i < t; i++) {                                                                     \
            __m512 q[V];                                                                                     \
            for (int c = 0; c < V; c++) q[c] = _mm512_loadu_ps(qh + i * ldQ + 16 * c);                      \
            float *row = scores + i * t;                                                                     \
            for (size_t j = 0; j < t; j++) {                                                                 \
                __m512 s = _mm512_mul_ps(q[0], _mm512_loadu_ps(kh + j * ldKV));                              \
                for (int c = 1; c < V; c++) s = _mm512_fmadd_ps(q[c], _mm512_loadu_ps(kh + j * ldKV + 16 * c), s); \
                row[j] = scale * _mm512_reduce_add_ps(s);                                                    \
            }                                                                                                \
            if (headBias)                                                                                    \
                for (size_t j = 0; j < t; j++) row[j] += (headBias - i)[j];                                  \
        }                                                                                                    \
        sluice_softmax_rows(scores, t, t);                                                                   \
        for (size_t i = 0; i < t; i++) {                                                                     \
            __m512 acc[V];                                                                                   \
            for (int c = 0; c < V; c++) acc[c] = _mm512_setzero_ps();                                        \
            for (size_t j = 0; j < t; j++) {                                                                 \
                __m512 p = _mm512_set1_ps(scores[i * t + j]);                                                \
                for (int c = 0; c < V; c++) acc[c] = _mm512_fmadd_ps(p, _mm512_loadu_ps(vh + j * ldKV + 16 * c), acc[c]); \
            }                                                                                                \
            for (int c = 0; c < V; c++) _mm512_storeu_ps(out + i * ldOut + 16 * c, acc[c]);                  \
        }                                                                                                    \
    }
DIRECT_HEAD(1)
DIRECT_HEAD(2)
DIRECT_HEAD(3)
DIRECT_HEAD(4)

// The scores' exponential, the same operations as the softmax's (gelu_simd.h).
#define SIMD_W 512
#define SIMD_LANES 16
#define SIMD_TARGET AVX512
#define SIMD_NAME(f) f##_attention
#define SIMD_ROUND(v) _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define SIMD_VECTOR_ONLY
#include "gelu_simd.h"
#include "transpose16.h"

enum { KEYS_PER_TILE = 12 };  // 12 accumulators, a query vector and a broadcast in registers

// One head of a longer sequence in the transposed orientation of the wide kernel, 16 queries
// at a time: their rows of q transposed into d vectors (qt), then for each key the vector of
// the 16 queries' scores, built from one broadcast of k per multiply-add (no horizontal sums);
// the softmax runs down the keys, lane by lane; the output, 16 columns at a time, is one
// broadcast of v per multiply-add over the keys, scaled by 1 / sum and transposed back into
// rows. `work` holds (d + t) · 16 floats.
//
// A bias of -FLT_MAX is a mask (causality, a window; `VisibilityBias` in SluiceModels): such a
// key weighs exactly 0 after the softmax, so each block of queries only visits the keys from
// the first to the last relative position the bias leaves visible; the keys it skips would add
// exact zeros, so the results are the same to the bit (for masks that leave each query a key,
// as causality and windows do).
AVX512 static void blocked_head(float *out, size_t ldOut, const float *qh, size_t ldQ, const float *kh,
                                const float *vh, size_t ldKV, size_t t, size_t d, float scale,
                                const float *headBias, float *work) {
    float *qt = work;           // [d][16]
    float *st = work + d * 16;  // [t][16]: scores, then e^(score − max)
    const __m512 vscale = _mm512_set1_ps(scale);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // Relative positions j − i in [lo, hi] may be visible; the others are masked.
    long lo = -(long)(t - 1), hi = (long)(t - 1);
    if (headBias) {
        while (lo < hi && headBias[lo] <= -FLT_MAX) lo++;
        while (hi > lo && headBias[hi] <= -FLT_MAX) hi--;
    }
    for (size_t i0 = 0; i0 < t; i0 += 16) {
        size_t rows = t - i0 < 16 ? t - i0 : 16;
        // The keys any of these queries may see: [j_begin, j_end).
        size_t j_begin = (long)i0 + lo < 0 ? 0 : (size_t)((long)i0 + lo);
        long last = (long)(i0 + rows - 1) + hi;
        size_t j_end = last >= (long)t - 1 ? t : (size_t)(last + 1);
        if (j_end <= j_begin) j_begin = 0, j_end = t;  // nothing visible: every key, as the definition
        __mmask16 valid = (__mmask16)((1u << rows) - 1u);
        for (size_t c0 = 0; c0 < d; c0 += 16) {
            __m512 r[16];
            for (size_t l = 0; l < 16; l++)
                r[l] = l < rows ? _mm512_loadu_ps(qh + (i0 + l) * ldQ + c0) : _mm512_setzero_ps();
            transpose16_avx512(r);
            for (size_t c = 0; c < 16; c++) _mm512_storeu_ps(qt + (c0 + c) * 16, r[c]);
        }
        // Scores, KEYS_PER_TILE keys at a time; a last partial tile repeats its last key.
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (size_t j0 = j_begin; j0 < j_end; j0 += KEYS_PER_TILE) {
            const float *key[KEYS_PER_TILE];
            for (int jj = 0; jj < KEYS_PER_TILE; jj++)
                key[jj] = kh + (j0 + (size_t)jj < j_end ? j0 + (size_t)jj : j_end - 1) * ldKV;
            __m512 acc[KEYS_PER_TILE];
            for (int jj = 0; jj < KEYS_PER_TILE; jj++) acc[jj] = _mm512_setzero_ps();
            for (size_t c = 0; c < d; c++) {
                __m512 x = _mm512_loadu_ps(qt + c * 16);
                for (int jj = 0; jj < KEYS_PER_TILE; jj++)
                    acc[jj] = _mm512_fmadd_ps(x, _mm512_set1_ps(key[jj][c]), acc[jj]);
            }
            size_t keys = j_end - j0 < KEYS_PER_TILE ? j_end - j0 : KEYS_PER_TILE;
            for (size_t jj = 0; jj < keys; jj++) {
                __m512 score = _mm512_mul_ps(acc[jj], vscale);
                if (headBias) {
                    // bias[j − i] for the 16 queries i0 + l (valid ones only)
                    __m512i index = _mm512_sub_epi32(_mm512_set1_epi32((int)(j0 + jj) - (int)i0), lanes);
                    score = _mm512_add_ps(score,
                                          _mm512_mask_i32gather_ps(_mm512_setzero_ps(), valid, index, headBias, 4));
                }
                _mm512_storeu_ps(st + (j0 + jj) * 16, score);
                vmax = _mm512_max_ps(vmax, score);
            }
        }
        // Softmax down the keys: e^(s − max), summed in double as the row softmax does.
        __m512d sum_lo = _mm512_setzero_pd(), sum_hi = _mm512_setzero_pd();
        for (size_t j = j_begin; j < j_end; j++) {
            __m512 e = exp_attention(_mm512_sub_ps(_mm512_loadu_ps(st + j * 16), vmax));
            _mm512_storeu_ps(st + j * 16, e);
            sum_lo = _mm512_add_pd(sum_lo, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
            sum_hi = _mm512_add_pd(sum_hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
        }
        __m512d one = _mm512_set1_pd(1.0);
        __m512 inverse = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_div_pd(one, sum_lo))),
                                            _mm512_cvtpd_ps(_mm512_div_pd(one, sum_hi)), 1);
        // Output, 16 of the head's columns at a time.
        for (size_t c0 = 0; c0 < d; c0 += 16) {
            __m512 acc[16];
            for (int cc = 0; cc < 16; cc++) acc[cc] = _mm512_setzero_ps();
            for (size_t j = j_begin; j < j_end; j++) {
                __m512 p = _mm512_loadu_ps(st + j * 16);
                const float *value = vh + j * ldKV + c0;
                for (int cc = 0; cc < 16; cc++) acc[cc] = _mm512_fmadd_ps(p, _mm512_set1_ps(value[cc]), acc[cc]);
            }
            for (int cc = 0; cc < 16; cc++) acc[cc] = _mm512_mul_ps(acc[cc], inverse);
            transpose16_avx512(acc);
            for (size_t l = 0; l < rows; l++) _mm512_storeu_ps(out + (i0 + l) * ldOut + c0, acc[l]);
        }
    }
}

typedef void (*direct_head_fn)(float *, size_t, const float *, size_t, const float *, const float *, size_t,
                               size_t, float, const float *, float *);
static const direct_head_fn direct_heads[5] = {0, direct_head_1, direct_head_2, direct_head_3, direct_head_4};
#endif

void sluice_attention_direct(float *out, size_t ldOut, const float *q, size_t ldQ, const float *k, const float *v,
                             size_t ldKV, size_t t, size_t h0, size_t h1, size_t kvGroup, size_t headDim,
                             float scale, const float *relativeBias, size_t span, float *scores) {
    float (*dot)(const float *, const float *, size_t) = dot_portable;
    void (*axpy)(float *, float, const float *, size_t) = axpy_portable;
#ifdef SLUICE_X86
    if (sluice_kernels_use_avx2()) {
        dot = dot_avx2;
        axpy = axpy_avx2;
    }
#endif
#ifdef SLUICE_X86
    // Head widths of 16, 32, 48 or 64 (BERT-base's 64, MiniLM's 32): the AVX-512 heads.
    if (headDim % 16 == 0 && headDim <= 64 && sluice_kernels_use_avx512(SLUICE_KERNELS_ATTENTION)) {
        for (size_t h = h0; h < h1; h++) {
            const float *headBias = relativeBias ? relativeBias + h * (2 * span - 1) + span - 1 : 0;
            size_t kv = (h / kvGroup) * headDim;
            direct_heads[headDim / 16](out + h * headDim, ldOut, q + h * headDim, ldQ, k + kv, v + kv, ldKV, t,
                                       scale, headBias, scores);
        }
        return;
    }
#endif
    for (size_t h = h0; h < h1; h++) {
        const float *qh = q + h * headDim, *kh = k + (h / kvGroup) * headDim, *vh = v + (h / kvGroup) * headDim;
        for (size_t i = 0; i < t; i++) {
            float *row = scores + i * t;
            for (size_t j = 0; j < t; j++) row[j] = scale * dot(qh + i * ldQ, kh + j * ldKV, headDim);
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
            for (size_t j = 0; j < t; j++) axpy(o, scores[i * t + j], vh + j * ldKV, headDim);
        }
    }
}

size_t sluice_attention_blocked_work(size_t t, size_t headDim) { return (t + headDim) * 16; }

int sluice_attention_blocked_available(size_t headDim) {
#ifdef SLUICE_X86
    return headDim % 16 == 0 && headDim > 0 && sluice_kernels_use_avx512(SLUICE_KERNELS_ATTENTION);
#else
    (void)headDim;
    return 0;
#endif
}

int sluice_attention_blocked_head(float *out, size_t ldOut, const float *q, size_t ldQ, const float *k,
                                  const float *v, size_t ldKV, size_t t, size_t headDim, float scale,
                                  const float *headBias, float *work) {
#ifdef SLUICE_X86
    if (sluice_attention_blocked_available(headDim)) {
        blocked_head(out, ldOut, q, ldQ, k, v, ldKV, t, headDim, scale, headBias, work);
        return 1;
    }
#endif
    (void)out, (void)ldOut, (void)q, (void)ldQ, (void)k, (void)v, (void)ldKV, (void)t, (void)headDim, (void)scale;
    (void)headBias;
    (void)work;
    return 0;
}
