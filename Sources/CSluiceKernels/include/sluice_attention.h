#ifndef SLUICE_ATTENTION_H
#define SLUICE_ATTENTION_H

#include <stddef.h>

/// Self-attention of one sequence of `t` tokens for the heads [h0, h1), computed directly (no
/// BLAS): for head h, `out_h = softmax(scale · q_h · k_gᵀ + bias_h) · v_g` with g = h / kvGroup
/// (grouped-query attention, as transformers' `repeat_kv`; kvGroup 1 for plain multi-head
/// attention). `q`, `k`, `v` and `out` point at the sequence's first row, column 0: q rows `ldQ`
/// apart (head h at column h·headDim), k and v rows `ldKV` apart (head g at column g·headDim),
/// out rows `ldOut` apart. `relativeBias`, when not NULL, is `[heads, 2·span − 1]`, the bias for
/// key j and query i at column `span − 1 + j − i` (t ≤ span). `scores` holds t² floats.
void sluice_attention_direct(float *out, size_t ldOut, const float *q, size_t ldQ, const float *k, const float *v,
                             size_t ldKV, size_t t, size_t h0, size_t h1, size_t kvGroup, size_t headDim,
                             float scale, const float *relativeBias, size_t span, float *scores);

/// One head of one sequence of `t` tokens, `out = softmax(scale · q · kᵀ + bias) · v`, by the
/// AVX-512 blocked kernel (16 queries at a time, in the wide kernel's transposed orientation):
/// `q`, `k`, `v` point at the head's first column of the sequence's first row (q rows `ldQ`
/// apart, k and v rows `ldKV` apart), `out` likewise with rows `ldOut` apart; `headBias`, when not NULL, points at the
/// head's bias for j − i = 0 (MPNet's relative bias, read at offsets −(t − 1) … t − 1).
/// `work` holds `sluice_attention_blocked_work(t, headDim)` floats. Returns 0, having done
/// nothing, where the kernel does not run (no AVX-512, or a head width not a multiple of 16).
int sluice_attention_blocked_head(float *out, size_t ldOut, const float *q, size_t ldQ, const float *k,
                                  const float *v, size_t ldKV, size_t t, size_t headDim, float scale,
                                  const float *headBias, float *work);

/// 1 where `sluice_attention_blocked_head` runs for this head width, else 0.
int sluice_attention_blocked_available(size_t headDim);

/// Floats of work memory `sluice_attention_blocked_head` needs.
size_t sluice_attention_blocked_work(size_t t, size_t headDim);

#endif
