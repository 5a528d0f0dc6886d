// Element-wise and row-wise kernels of the encoder layer: GELU (exact and tanh forms), SiLU,
// layer norm with the residual added in the same pass, and RMS norm. The portable paths are plain C with
// libm; the AVX2 + FMA paths are chosen at run time (see linear_stream.c) and agree with them to a
// few units in the last place.
#include "sluice_elementwise.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sluice_cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SLUICE_X86 1
#endif

// ---------------------------------------------------------------------------------------------
// Portable paths.

static void gelu_erf_portable(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

static void gelu_tanh_portable(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
    }
}

static void silu_portable(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = x[i] / (1.0f + expf(-x[i]));
}

// Row r of x (rows of cols), with row r of residual added to it when there is one.
static inline float *row_adding(float *x, const float *residual, size_t r, size_t cols) {
    float *row = x + r * cols;
    if (residual)
        for (size_t c = 0; c < cols; c++) row[c] += residual[r * cols + c];
    return row;
}

// x[r] = (x[r] + residual[r] - mean) / sqrt(var + eps) * gamma + beta, with the mean and the
// biased variance accumulated in double over the row (two passes, as exact as the data allow).
static void add_layer_norm_portable(float *x, const float *residual, const float *gamma, const float *beta,
                                    float eps, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = row_adding(x, residual, r, cols);
        double sum = 0;
        for (size_t c = 0; c < cols; c++) sum += row[c];
        double mean = sum / (double)cols;
        double squares = 0;
        for (size_t c = 0; c < cols; c++) {
            double d = (double)row[c] - mean;
            squares += d * d;
        }
        float rstd = (float)(1.0 / sqrt(squares / (double)cols + (double)eps));
        float meanf = (float)mean;
        for (size_t c = 0; c < cols; c++) row[c] = (row[c] - meanf) * rstd * gamma[c] + beta[c];
    }
}

static void softmax_rows_portable(float *x, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        float max = -INFINITY;
        for (size_t c = 0; c < cols; c++)
            if (row[c] > max) max = row[c];
        double sum = 0;
        for (size_t c = 0; c < cols; c++) {
            row[c] = expf(row[c] - max);
            sum += row[c];
        }
        float inv = (float)(1.0 / sum);
        for (size_t c = 0; c < cols; c++) row[c] *= inv;
    }
}

#ifdef SLUICE_X86
// ---------------------------------------------------------------------------------------------
// AVX2 + FMA paths.

#define AVX2 __attribute__((target("avx2,fma")))

#define SIMD_W 256
#define SIMD_LANES 8
#define SIMD_TARGET AVX2
#define SIMD_NAME(f) f##_avx2
#define SIMD_ROUND(v) _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define SIMD_ERF_TAIL gelu_erf_portable
#define SIMD_TANH_TAIL gelu_tanh_portable
#define SIMD_SILU_TAIL silu_portable
#include "gelu_simd.h"

// AVX-512: the same functions 16 lanes at a time (same operations, same order, so each value
// is the same to the bit); chosen where the CPU has it.
#define AVX512 __attribute__((target("avx512f,avx512dq")))
#define SIMD_W 512
#define SIMD_LANES 16
#define SIMD_TARGET AVX512
#define SIMD_NAME(f) f##_avx512
#define SIMD_ROUND(v) _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define SIMD_ERF_TAIL gelu_erf_avx2
#define SIMD_TANH_TAIL gelu_tanh_avx2
#define SIMD_SILU_TAIL silu_avx2
#include "gelu_simd.h"

AVX2 static inline double hsum_pd(__m256d v) {
    __m128d lo = _mm256_castpd256_pd128(v);
    __m128d hi = _mm256_extractf128_pd(v, 1);
    lo = _mm_add_pd(lo, hi);
    return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

AVX2 static inline float hmax_ps(__m256 v) {
    __m128 lo = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    lo = _mm_max_ps(lo, _mm_movehl_ps(lo, lo));
    return _mm_cvtss_f32(_mm_max_ss(lo, _mm_movehdup_ps(lo)));
}

// Softmax of each row as torch.softmax in f32: subtract the row's maximum, exponentiate, divide
// by the sum, accumulated in double so that a vocabulary-wide row loses nothing to rounding.
AVX2 static void softmax_rows_avx2(float *x, size_t rows, size_t cols) {
    size_t c8 = cols & ~(size_t)7;
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        __m256 vmax = _mm256_set1_ps(-INFINITY);
        for (size_t c = 0; c < c8; c += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + c));
        float max = hmax_ps(vmax);
        for (size_t c = c8; c < cols; c++)
            if (row[c] > max) max = row[c];
        __m256 m = _mm256_set1_ps(max);
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        for (size_t c = 0; c < c8; c += 8) {
            __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(row + c), m));
            _mm256_storeu_ps(row + c, e);
            s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
            s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
        }
        double sum = hsum_pd(_mm256_add_pd(s0, s1));
        for (size_t c = c8; c < cols; c++) {
            row[c] = expf(row[c] - max);
            sum += row[c];
        }
        float invf = (float)(1.0 / sum);
        __m256 inv = _mm256_set1_ps(invf);
        for (size_t c = 0; c < c8; c += 8) _mm256_storeu_ps(row + c, _mm256_mul_ps(_mm256_loadu_ps(row + c), inv));
        for (size_t c = c8; c < cols; c++) row[c] *= invf;
    }
}

AVX2 static void add_layer_norm_avx2(float *x, const float *residual, const float *gamma, const float *beta,
                                     float eps, size_t rows, size_t cols) {
    size_t c8 = cols & ~(size_t)7;
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        double tail = 0;
        if (residual) {
            const float *add = residual + r * cols;
            for (size_t c = 0; c < c8; c += 8) {
                __m256 v = _mm256_add_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(add + c));
                _mm256_storeu_ps(row + c, v);
                s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
                s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
            }
            for (size_t c = c8; c < cols; c++) {
                row[c] += add[c];
                tail += row[c];
            }
        } else {
            for (size_t c = 0; c < c8; c += 8) {
                __m256 v = _mm256_loadu_ps(row + c);
                s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
                s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
            }
            for (size_t c = c8; c < cols; c++) tail += row[c];
        }
        double mean = (hsum_pd(_mm256_add_pd(s0, s1)) + tail) / (double)cols;
        __m256d vmean = _mm256_set1_pd(mean);
        __m256d q0 = _mm256_setzero_pd(), q1 = _mm256_setzero_pd();
        double qtail = 0;
        for (size_t c = 0; c < c8; c += 8) {
            __m256 v = _mm256_loadu_ps(row + c);
            __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), vmean);
            __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), vmean);
            q0 = _mm256_fmadd_pd(d0, d0, q0);
            q1 = _mm256_fmadd_pd(d1, d1, q1);
        }
        for (size_t c = c8; c < cols; c++) {
            double d = (double)row[c] - mean;
            qtail += d * d;
        }
        double squares = hsum_pd(_mm256_add_pd(q0, q1)) + qtail;
        float rstd = (float)(1.0 / sqrt(squares / (double)cols + (double)eps));
        float meanf = (float)mean;
        __m256 vm = _mm256_set1_ps(meanf), vr = _mm256_set1_ps(rstd);
        for (size_t c = 0; c < c8; c += 8) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + c), vm), vr);
            _mm256_storeu_ps(row + c, _mm256_fmadd_ps(v, _mm256_loadu_ps(gamma + c), _mm256_loadu_ps(beta + c)));
        }
        for (size_t c = c8; c < cols; c++) row[c] = (row[c] - meanf) * rstd * gamma[c] + beta[c];
    }
}
#endif

#ifdef SLUICE_X86
AVX2 static size_t first_above_avx2(const float *x, size_t start, size_t n, float threshold) {
    __m256 t = _mm256_set1_ps(threshold);
    size_t i = start;
    for (; i + 8 <= n; i += 8) {
        int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), t, _CMP_GT_OQ));
        if (mask) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
    for (; i < n; i++)
        if (x[i] > threshold) return i;
    return n;
}
#endif

int sluice_all_finite(const float *x, size_t n) {
    // A float is NaN or infinite when its exponent bits are all set: keep the largest exponent
    // field seen (an integer max the compiler vectorises), one read of x.
    uint32_t worst = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        uint32_t exponent = bits & 0x7f800000u;
        worst = exponent > worst ? exponent : worst;
    }
    return worst != 0x7f800000u;
}

size_t sluice_first_above(const float *x, size_t start, size_t n, float threshold) {
#ifdef SLUICE_X86
    if (sluice_kernels_use_avx2()) return first_above_avx2(x, start, n, threshold);
#endif
    for (size_t i = start; i < n; i++)
        if (x[i] > threshold) return i;
    return n;
}

void sluice_softmax_rows(float *x, size_t rows, size_t cols) {
#ifdef SLUICE_X86
    if (sluice_kernels_use_avx2()) {
        softmax_rows_avx2(x, rows, cols);
        return;
    }
#endif
    softmax_rows_portable(x, rows, cols);
}

// sluice_<f> for an array function f of gelu_simd.h: the widest path the processor runs.
#ifdef SLUICE_X86
#define WIDEST_PATH(f)                           \
    void sluice_##f(float *x, size_t n) {        \
        if (sluice_kernels_use_avx512(SLUICE_KERNELS_ELEMENTWISE)) \
            f##_avx512(x, n);                    \
        else if (sluice_kernels_use_avx2())      \
            f##_avx2(x, n);                      \
        else                                     \
            f##_portable(x, n);                  \
    }
#else
#define WIDEST_PATH(f) \
    void sluice_##f(float *x, size_t n) { f##_portable(x, n); }
#endif

WIDEST_PATH(gelu_erf)
WIDEST_PATH(gelu_tanh)
WIDEST_PATH(silu)

void sluice_activation_apply(int activation, float *x, size_t n) {
    switch (activation) {
    case SLUICE_ACTIVATION_GELU_ERF: sluice_gelu_erf(x, n); break;
    case SLUICE_ACTIVATION_GELU_TANH: sluice_gelu_tanh(x, n); break;
    case SLUICE_ACTIVATION_SILU: sluice_silu(x, n); break;
    case SLUICE_ACTIVATION_RELU:
        for (size_t i = 0; i < n; i++)
            if (x[i] < 0) x[i] = 0;
        break;
    default: break;
    }
}

void sluice_activation_gated(int activation, float *x, const float *gate, size_t n) {
    // Blocks of 1024 values (4 KB, a multiple of every vector width, so the same values take
    // the vector paths as in one call over all n), each multiplied while still in L1.
    enum { BLOCK = 1024 };
    for (size_t start = 0; start < n; start += BLOCK) {
        size_t count = n - start < BLOCK ? n - start : BLOCK;
        float *block = x + start;
        const float *g = gate + start;
        sluice_activation_apply(activation, block, count);
        for (size_t i = 0; i < count; i++) block[i] *= g[i];
    }
}

void sluice_add_layer_norm(float *x, const float *residual, const float *gamma, const float *beta, float eps,
                           size_t rows, size_t cols) {
#ifdef SLUICE_X86
    if (sluice_kernels_use_avx2()) {
        add_layer_norm_avx2(x, residual, gamma, beta, eps, rows, cols);
        return;
    }
#endif
    add_layer_norm_portable(x, residual, gamma, beta, eps, rows, cols);
}

void sluice_add_rms_norm(float *x, const float *residual, const float *weight, float eps, size_t rows,
                         size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = row_adding(x, residual, r, cols);
        double squares = 0;
        for (size_t c = 0; c < cols; c++) squares += (double)row[c] * (double)row[c];
        float rstd = (float)(1.0 / sqrt(squares / (double)cols + (double)eps));
        for (size_t c = 0; c < cols; c++) row[c] = weight[c] * (row[c] * rstd);
    }
}
