// int8 weights: symmetric per-output-row scales, quantized once at load, and widening back to
// f32. The small-batch kernel (lowp_stream.c) streams k bytes per weight row (a
// quarter of f32), widens them to f32 in registers and applies the scale once per output.
#include "sluice_lowp_linear.h"
#include "sluice_cpu.h"
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

#ifdef SLUICE_LOWP_X86
__attribute__((target("avx2,fma"))) static void int8_to_f32_avx2(float *dst, const int8_t *w, const float *scales,
                                                                  size_t rows, size_t k) {
    for (size_t r = 0; r < rows; r++) {
        const int8_t *row = w + r * k;
        float *out = dst + r * k;
        __m256 scale = _mm256_set1_ps(scales[r]);
        size_t c = 0;
        for (; c + 16 <= k; c += 16) {
            __m256 lo, hi;
            lowp_load_int8x16(row + c, &lo, &hi);
            _mm256_storeu_ps(out + c, _mm256_mul_ps(lo, scale));
            _mm256_storeu_ps(out + c + 8, _mm256_mul_ps(hi, scale));
        }
        for (; c < k; c++) out[c] = scales[r] * (float)row[c];
    }
}
#endif

void sluice_int8_to_f32(float *dst, const int8_t *w, const float *scales, size_t rows, size_t k) {
    LOWP_AVX2_OR_PORTABLE(int8_to_f32_avx2, int8_to_f32_portable, dst, w, scales, rows, k);
}
