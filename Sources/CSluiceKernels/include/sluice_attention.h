#ifndef SLUICE_ATTENTION_H
#define SLUICE_ATTENTION_H

#include <stddef.h>

/// Self-attention of one sequence of `t` tokens over all `heads`, computed directly (no BLAS):
/// for head h, `out_h = softmax(scale · q_h · k_hᵀ + bias_h) · v_h`, where `q`, `k` and `v`
/// point at the sequence's first row (rows `ldQKV` apart, head h at column h·headDim) and
/// `out` rows are `ldOut` apart. `relativeBias`, when not NULL, is `[heads, 2·span − 1]`, the
/// bias for key j and query i at column `span − 1 + j − i` (t ≤ span). `scores` holds t² floats.
void sluice_attention_direct(float *out, size_t ldOut, const float *q, const float *k, const float *v,
                             size_t ldQKV, size_t t, size_t heads, size_t headDim, float scale,
                             const float *relativeBias, size_t span, float *scores);

#endif
