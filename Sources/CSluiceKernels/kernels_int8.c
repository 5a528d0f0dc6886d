// Dynamic int8 weights: symmetric per-output-row scales, quantized once at load; activations
// stay f32. The small-batch kernel streams k bytes per weight row (a quarter of f32) and
// widens them to f32 in registers; the scale is applied once per output.
#include "sluice_lowp_kernels.h"
#include "sluice_kernels.h"
#include "lowp_simd.h"

void sluice_quantize_rows_int8(int8_t *dst, float *scales, const float *src, size_t rows, size_t k) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = src + r * k;
        float scale = lowp_row_scale(row, k);
        float inverse = scale > 0 ? 1.0f / scale : 0.0f;
        for (size_t c = 0; c < k; c++) dst[r * k + c] = (int8_t)lowp_quantize(row[c], inverse);
        scales[r] = scale;
    }
}

static void int8_to_f32_portable(float *dst, const int8_t *w, const float *scales, size_t rows, size_t k) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < k; c++) dst[r * k + c] = scales[r] * (float)w[r * k + c];
}

static void linear_int8_portable(float *out, const float *x, const int8_t *w, const float *scales,
                                 const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin,
                                 size_t n_end) {
    for (size_t n = n_begin; n < n_end; n++) {
        const int8_t *row = w + n * k;
        for (size_t i = 0; i < m; i++) {
            const float *xi = x + i * k;
            float s = 0;
            for (size_t p = 0; p < k; p++) s += xi[p] * (float)row[p];
            out[i * n_total + n] = scales[n] * s + (bias ? bias[n] : 0.0f);
        }
    }
}

#ifdef SLUICE_LOWP_X86
// 16 int8 weights widened to two vectors of 8 f32.
__attribute__((target("avx2,fma"), always_inline)) static inline void load_int8x16(const int8_t *p, __m256 *lo,
                                                                                    __m256 *hi) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)p);
    *lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
    *hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(bytes, 8)));
}

__attribute__((target("avx2,fma"))) static void int8_to_f32_avx2(float *dst, const int8_t *w, const float *scales,
                                                                  size_t rows, size_t k) {
    for (size_t r = 0; r < rows; r++) {
        const int8_t *row = w + r * k;
        float *out = dst + r * k;
        __m256 scale = _mm256_set1_ps(scales[r]);
        size_t c = 0;
        for (; c + 16 <= k; c += 16) {
            __m256 lo, hi;
            load_int8x16(row + c, &lo, &hi);
            _mm256_storeu_ps(out + c, _mm256_mul_ps(lo, scale));
            _mm256_storeu_ps(out + c + 8, _mm256_mul_ps(hi, scale));
        }
        for (; c < k; c++) out[c] = scales[r] * (float)row[c];
    }
}

// One int8 weight row against exactly M input rows, 16 columns per step, with two
// accumulators per input row up to M = 4 (as the bf16 kernel). Per 16 weights (16 bytes):
// 1 load, 2 widenings to i32, 2 conversions to f32, 2·M FMA: from M ≈ 4 the FMA ports, not
// memory, bound it.
__attribute__((target("avx2,fma"), always_inline)) static inline void
linear_int8_block_avx2(float *out, const float *x, const int8_t *w, const float *scales, const float *bias,
                       size_t k, size_t n_total, size_t n_begin, size_t n_end, const int M) {
    const int split = M <= 4;
    size_t k16 = k & ~(size_t)15;
    for (size_t n = n_begin; n < n_end; n++) {
        const int8_t *row = w + n * k;
        __m256 acc0[LOWP_MAX_M], acc1[LOWP_MAX_M];
        for (int i = 0; i < M; i++) {
            acc0[i] = _mm256_setzero_ps();
            acc1[i] = _mm256_setzero_ps();
        }
        _Pragma("clang loop unroll(disable)")
        for (size_t p = 0; p < k16; p += 16) {
            __m256 w0, w1;
            load_int8x16(row + p, &w0, &w1);
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
            for (size_t p = k16; p < k; p++) s += x[i * k + p] * (float)row[p];
            out[i * n_total + n] = scales[n] * s + (bias ? bias[n] : 0.0f);
        }
    }
}

#define SLUICE_INT8_KERNEL(M)                                                                                   \
    __attribute__((target("avx2,fma"))) static void linear_int8_m##M##_avx2(                                  \
        float *out, const float *x, const int8_t *w, const float *scales, const float *bias, size_t k,          \
        size_t n_total, size_t n_begin, size_t n_end) {                                                         \
        linear_int8_block_avx2(out, x, w, scales, bias, k, n_total, n_begin, n_end, M);                         \
    }
SLUICE_INT8_KERNEL(1)
SLUICE_INT8_KERNEL(2)
SLUICE_INT8_KERNEL(3)
SLUICE_INT8_KERNEL(4)
SLUICE_INT8_KERNEL(5)
SLUICE_INT8_KERNEL(6)
SLUICE_INT8_KERNEL(7)
SLUICE_INT8_KERNEL(8)

typedef void (*int8_kernel)(float *, const float *, const int8_t *, const float *, const float *, size_t,
                            size_t, size_t, size_t);
static const int8_kernel int8_kernels[LOWP_MAX_M + 1] = {
    0, linear_int8_m1_avx2, linear_int8_m2_avx2, linear_int8_m3_avx2, linear_int8_m4_avx2,
    linear_int8_m5_avx2, linear_int8_m6_avx2, linear_int8_m7_avx2, linear_int8_m8_avx2,
};
#endif

void sluice_int8_to_f32(float *dst, const int8_t *w, const float *scales, size_t rows, size_t k) {
#ifdef SLUICE_LOWP_X86
    if (sluice_kernels_use_avx2()) {
        int8_to_f32_avx2(dst, w, scales, rows, k);
        return;
    }
#endif
    int8_to_f32_portable(dst, w, scales, rows, k);
}

void sluice_linear_int8_small_m(float *out, const float *x, const int8_t *w, const float *scales,
                                const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin,
                                size_t n_end) {
    if (lowp_linear_avx512(LOWP_INT8, out, x, w, scales, bias, m, k, n_total, n_begin, n_end)) return;
#ifdef SLUICE_LOWP_X86
    if (sluice_kernels_use_avx2()) {
        // Beyond 8 input rows, each tile of weight rows (in L2) serves every block of 8 input
        // rows before the next tile is read from memory.
        for (size_t n0 = n_begin; n0 < n_end; n0 += LOWP_TILE_N) {
            size_t n1 = n_end - n0 < LOWP_TILE_N ? n_end : n0 + LOWP_TILE_N;
            for (size_t i = 0; i < m; i += LOWP_MAX_M) {
                size_t mi = m - i < LOWP_MAX_M ? m - i : LOWP_MAX_M;
                int8_kernels[mi](out + i * n_total, x + i * k, w, scales, bias, k, n_total, n0, n1);
            }
        }
        return;
    }
#endif
    linear_int8_portable(out, x, w, scales, bias, m, k, n_total, n_begin, n_end);
}
