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

/// One head of one sequence of `t` tokens, `out = softmax(scale · q · kᵀ + bias) · v`, by the
/// AVX-512 blocked kernel (16 queries at a time, in the wide kernel's transposed orientation):
/// `q`, `k`, `v` point at the head's first column of the sequence's first row (rows `ldQKV`
/// apart), `out` likewise with rows `ldOut` apart; `headBias`, when not NULL, points at the
/// head's bias for j − i = 0 (MPNet's relative bias, read at offsets −(t − 1) … t − 1).
/// `work` holds `sluice_attention_blocked_work(t, headDim)` floats. Returns 0, having done
/// nothing, where the kernel does not run (no AVX-512, or a head width not a multiple of 16).
int sluice_attention_blocked_head(float *out, size_t ldOut, const float *q, const float *k, const float *v,
                                  size_t ldQKV, size_t t, size_t headDim, float scale, const float *headBias,
                                  float *work);

/// 1 where `sluice_attention_blocked_head` runs for this head width, else 0.
int sluice_attention_blocked_available(size_t headDim);

/// Floats of work memory `sluice_attention_blocked_head` needs.
size_t sluice_attention_blocked_work(size_t t, size_t headDim);

#endif
