#ifndef SLUICE_LOWP_LINEAR_H
#define SLUICE_LOWP_LINEAR_H

#include <stddef.h>
#include <stdint.h>

// Dense weights in 16 and 8 bits, computed in f32. Layouts as sluice_linear.h: x [m, k],
// w [n_total, k] (the Hugging Face [out, in] layout), out [m, n_total]; bias may be NULL.
// Every kernel has an AVX2 + FMA path chosen at run time and a portable one. The streaming
// kernels take 8 input rows per pass; more rows go in blocks of 8 over tiles of 64 weight rows,
// so that the weights come from memory once and from cache for the other blocks.

/// dst[i] = bfloat16(src[i]), rounded to nearest, ties to even (NaN stays a quiet NaN).
void sluice_f32_to_bf16(uint16_t *dst, const float *src, size_t count);

/// dst[i] = f32(w[i]) for i in [0, count): exact.
void sluice_bf16_to_f32(float *dst, const uint16_t *w, size_t count);

/// out[m, n] = sum_k x[m, k] · f32(w[n, k]) + bias[n], for rows n in [n_begin, n_end).
/// Weight streaming for small m: each bf16 weight row is read once (2·k bytes) and widened in
/// registers. 2·m·k FLOP per weight row.
void sluice_linear_bf16_small_m(float *out, const float *x, const uint16_t *w, const float *bias, size_t m,
                                size_t k, size_t n_total, size_t n_begin, size_t n_end);

/// Symmetric per-row int8: scales[r] = max|src[r, :]| / 127, dst[r, c] = round(src[r, c] / scales[r])
/// in [-127, 127] (ties to even); an all-zero row has scale 0.
void sluice_quantize_rows_int8(int8_t *dst, float *scales, const float *src, size_t rows, size_t k);

/// dst[r, c] = scales[r] · w[r, c] for r in [0, rows).
void sluice_int8_to_f32(float *dst, const int8_t *w, const float *scales, size_t rows, size_t k);

/// row_sums[r] = sum_c w[r, c], for the integer kernel's offset correction.
void sluice_int8_row_sums(int32_t *row_sums, const int8_t *w, size_t rows, size_t k);

/// Dynamic activation quantization, per row: scales[i] = max|x[i, :]| / 127 and
/// dst[i, c] = round(x[i, c] / scales[i]) + 128 (ties to even), in [1, 255]: the signed value
/// offset by 128. Vectorized with AVX2 where the processor has it; same result either way.
void sluice_quantize_activations_u8(uint8_t *dst, float *scales, const float *x, size_t m, size_t k);

/// out[m, n] = x_scales[m] · w_scales[n] · sum_k (xq[m, k] − 128) · w[n, k] + bias[n], for rows n
/// in [n_begin, n_end), the sum exact in int32 (k below 2^17). xq from
/// sluice_quantize_activations_u8, row_sums from sluice_int8_row_sums. Weight streaming for
/// small m with integer dot products: AVX-VNNI where the processor has it, else AVX2
/// (vpmaddubsw), else portable; all three give the same result.
void sluice_linear_int8_quantized_small_m(float *out, const uint8_t *xq, const float *x_scales, const int8_t *w,
                                          const float *w_scales, const int32_t *row_sums, const float *bias,
                                          size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end);

/// The best path of sluice_linear_int8_quantized_small_m here: 2 AVX-VNNI, 1 AVX2, 0 portable.
int sluice_int8_dot_level(void);

/// sluice_linear_int8_quantized_small_m on the path `level` (or the best one below it), so that
/// tests can check every path this processor runs against the others.
void sluice_linear_int8_quantized_small_m_at(int level, float *out, const uint8_t *xq, const float *x_scales,
                                             const int8_t *w, const float *w_scales, const int32_t *row_sums,
                                             const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin,
                                             size_t n_end);

/// out[m, n] = scales[n] · sum_k x[m, k] · w[n, k] + bias[n], for rows n in [n_begin, n_end).
/// Weight streaming for small m: each int8 weight row is read once (k bytes) and widened to f32
/// in registers. 2·m·k FLOP per weight row.
void sluice_linear_int8_small_m(float *out, const float *x, const int8_t *w, const float *scales,
                                const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin,
                                size_t n_end);
#endif
