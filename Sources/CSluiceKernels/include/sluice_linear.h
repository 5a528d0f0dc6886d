#ifndef SLUICE_LINEAR_H
#define SLUICE_LINEAR_H

#include <stddef.h>

// Linear layers with f32 weights in the Hugging Face [out, in] layout: a weight-streaming
// kernel for a few rows (linear_stream.c) and an outer-product kernel for many (linear_wide.c).

/// out[m, n] = sum_k x[m, k] * w[n, k] + bias[n], for rows n in [n_begin, n_end).
/// A weight-streaming kernel for small m: every weight row is read once, from memory, and
/// used for all m input rows while it is in registers. x: [m, k], w: [n_total, k] (the
/// Hugging Face [out, in] layout), out: [m, n_total], bias may be NULL.
/// 2·m·k FLOP per weight row; 4·k bytes of weights per row.
void sluice_linear_small_m(float *out, const float *x, const float *w, const float *bias,
                           size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end);

/// 1 when `sluice_linear_wide` runs its AVX-512 or AVX2 kernels on this processor; 0 when it would
/// take its portable path (correct, slow: callers should use BLAS instead then).
int sluice_wide_available(void);

/// The row count `sluice_linear_wide` works on: m rounded up to a multiple of 16.
size_t sluice_wide_padded_rows(size_t m);

/// x (m rows of k) transposed into panels of 16 rows, `sluice_wide_padded_rows(m) · k` floats:
/// xt[(t·k + p)·16 + i] = x[16t + i, p], zero for rows ≥ m. Writes panels t in
/// [panel_begin, panel_end) of the `sluice_wide_padded_rows(m) / 16`, so threads can share it.
void sluice_transpose_padded(float *xt, const float *x, size_t m, size_t k, size_t panel_begin, size_t panel_end);

/// out[i, n] = sum_p x[i, p] · w[n, p] + bias[n] for n in [n_begin, n_end), from xt (as
/// `sluice_transpose_padded` writes it) and w in the Hugging Face [out, in] layout, read in
/// place. out is [m, n_total]; bias may be NULL. 2·m·k FLOP per weight row.
void sluice_linear_wide(float *out, const float *xt, const float *w, const float *bias, size_t m, size_t k,
                        size_t n_total, size_t n_begin, size_t n_end);

/// sluice_linear_wide with the output written transposed, as the next layer's input:
/// out_t[(t·n_total + n)·16 + i] = act(sum_p x[16t + i, p] · w[n, p] + bias[n]) for every row
/// of the `sluice_wide_padded_rows(m)` (padding rows hold act(bias)), the layout
/// `sluice_transpose_padded` writes for an input of n_total columns. `activation` is a
/// SLUICE_ACTIVATION_* code (SLUICE_ACTIVATION_IDENTITY for none).
void sluice_linear_wide_to_panels(float *out_t, const float *xt, const float *w, const float *bias, size_t m,
                                  size_t k, size_t n_total, size_t n_begin, size_t n_end, int activation);

/// A buffer of at least `floats` floats, 64-byte aligned, owned by the calling thread and
/// reused by its next call (its contents are not kept); NULL if memory ran out.
float *sluice_wide_scratch(size_t floats);

#endif
