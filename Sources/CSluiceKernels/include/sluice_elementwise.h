#ifndef SLUICE_ELEMENTWISE_H
#define SLUICE_ELEMENTWISE_H

#include <stddef.h>

/// x = 0.5·x·(1 + erf(x/√2)) over n values: PyTorch's exact GELU.
void sluice_gelu_erf(float *x, size_t n);

/// x = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) over n values: the tanh GELU.
void sluice_gelu_tanh(float *x, size_t n);

/// x = x / (1 + e^(−x)) over n values: SiLU (swish), as torch.nn.functional.silu.
void sluice_silu(float *x, size_t n);

/// The activations a layer can apply (`hidden_act`), by code.
enum {
    SLUICE_ACTIVATION_IDENTITY = 0,
    SLUICE_ACTIVATION_GELU_ERF = 1,   // sluice_gelu_erf
    SLUICE_ACTIVATION_GELU_TANH = 2,  // sluice_gelu_tanh
    SLUICE_ACTIVATION_RELU = 3,       // x < 0 → 0 (NaN stays NaN)
    SLUICE_ACTIVATION_SILU = 4,       // sluice_silu
};

/// The activation `activation` (a SLUICE_ACTIVATION_* code) in place over n values.
void sluice_activation_apply(int activation, float *x, size_t n);

/// x[i] = act(x[i]) · gate[i] over n values: a gated linear unit's activation and product in one
/// pass, a block of x at a time while it is in L1 (each value as sluice_activation_apply then a
/// product would give it, to the bit).
void sluice_activation_gated(int activation, float *x, const float *gate, size_t n);

/// For each of `rows` rows of `cols` values: x = LayerNorm(x + residual) with the biased
/// variance, `gamma` and `beta`, as torch.nn.LayerNorm; `residual` may be NULL (no add).
/// The mean and variance are accumulated in double.
void sluice_add_layer_norm(float *x, const float *residual, const float *gamma, const float *beta, float eps,
                           size_t rows, size_t cols);

/// For each of `rows` rows of `cols` values: x = weight · ((x + residual) / sqrt(mean((x + residual)²) + eps)),
/// as transformers' T5LayerNorm / Qwen3RMSNorm in f32 (the mean of squares accumulated in
/// double); `residual` may be NULL (no add).
void sluice_add_rms_norm(float *x, const float *residual, const float *weight, float eps, size_t rows,
                         size_t cols);

/// Softmax over each of `rows` rows of `cols` values, in place, as torch.softmax(dim=-1) in f32.
void sluice_softmax_rows(float *x, size_t rows, size_t cols);

/// The first index i in [start, n) with x[i] > threshold (NaN never is), or n.
size_t sluice_first_above(const float *x, size_t start, size_t n, float threshold);

/// 1 when every x[i] is finite (neither NaN nor an infinity), else 0.
int sluice_all_finite(const float *x, size_t n);

#endif
