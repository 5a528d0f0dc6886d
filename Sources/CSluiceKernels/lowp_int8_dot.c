// int8 × int8 → int32 dot products for the int8-dynamic linear layer: the input rows
// are quantized per row (dynamically, as torch's quantize_dynamic does), so a weight row costs
// one integer multiply-add instruction per 32 weights and input row instead of four f32 FMAs,
// and the kernel streams int8 weights at the memory rate where the f32-widening kernel is bound
// by its FMAs from about 3 input rows on. Sums are exact in int32, so every path agrees bit for bit.
#include "sluice_lowp_linear.h"
#include "sluice_cpu.h"
#include "lowp_simd.h"

void sluice_int8_row_sums(int32_t *row_sums, const int8_t *w, size_t rows, size_t k) {
    for (size_t r = 0; r < rows; r++) {
        int32_t s = 0;
        for (size_t c = 0; c < k; c++) s += w[r * k + c];
        row_sums[r] = s;
    }
}

__attribute__((always_inline)) static inline void quantize_activations(uint8_t *dst, float *scales, const float *x,
                                                                         size_t m, size_t k) {
    for (size_t i = 0; i < m; i++) {
        const float *row = x + i * k;
        float scale = lowp_row_scale(row, k);
        float inverse = scale > 0 ? 1.0f / scale : 0.0f;
        for (size_t c = 0; c < k; c++) dst[i * k + c] = (uint8_t)(lowp_quantize(row[c], inverse) + 128);
        scales[i] = scale;
    }
}

#ifdef SLUICE_LOWP_X86
// The same loops compiled for AVX2, where clang turns them into vector max, round and packs.
__attribute__((target("avx2,fma"))) static void quantize_activations_avx2(uint8_t *dst, float *scales,
                                                                          const float *x, size_t m, size_t k) {
    quantize_activations(dst, scales, x, m, k);
}
#endif

void sluice_quantize_activations_u8(uint8_t *dst, float *scales, const float *x, size_t m, size_t k) {
    LOWP_AVX2_OR_PORTABLE(quantize_activations_avx2, quantize_activations, dst, scales, x, m, k);
}

static void linear_int8_quantized_portable(float *out, const uint8_t *xq, const float *x_scales, const int8_t *w,
                                           const float *w_scales, const float *bias, size_t m, size_t k,
                                           size_t n_total, size_t n_begin, size_t n_end) {
    for (size_t n = n_begin; n < n_end; n++) {
        for (size_t i = 0; i < m; i++) {
            int32_t s = 0;
            for (size_t p = 0; p < k; p++) s += ((int32_t)xq[i * k + p] - 128) * w[n * k + p];
            out[i * n_total + n] = (float)s * (x_scales[i] * w_scales[n]) + (bias ? bias[n] : 0.0f);
        }
    }
}

#ifdef SLUICE_LOWP_X86
__attribute__((target("avx2"))) static inline int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// The exact tail and the output: (integer sum of the vector part + tail) scaled, plus bias.
#define INT8_DOT_FINISH(acc_sum, correction)                                                                    \
    for (int i = 0; i < M; i++) {                                                                               \
        int32_t s = (acc_sum) - (correction);                                                                   \
        for (size_t p = k32; p < k; p++) s += ((int32_t)xq[i * k + p] - 128) * row[p];                          \
        out[i * n_total + n] = (float)s * (x_scales[i] * w_scales[n]) + (bias ? bias[n] : 0.0f);                \
    }

// The loop both kernels below run over weight rows n_begin..<n_end: M int32 accumulators per
// row, `accumulate` once per 32 weights `vw` (the row's columns p..p+31, below k32), then
// `finish` (which ends in INT8_DOT_FINISH).
#define INT8_DOT_ROWS(accumulate, finish)                                                                       \
    for (size_t n = n_begin; n < n_end; n++) {                                                                  \
        const int8_t *row = w + n * k;                                                                          \
        __m256i acc[LOWP_MAX_M];                                                                                \
        for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_si256();                                            \
        _Pragma("clang loop unroll(disable)")                                                                   \
        for (size_t p = 0; p < k32; p += 32) {                                                                  \
            __m256i vw = _mm256_loadu_si256((const __m256i *)(row + p));                                        \
            accumulate                                                                                          \
        }                                                                                                       \
        finish                                                                                                  \
    }

// AVX-VNNI: vpdpbusd multiplies unsigned xq bytes by signed weight bytes and adds groups of
// four into int32 lanes without saturation. xq carries +128, so the sum is corrected by
// 128 · row_sum. Per 32 weights: 1 weight load, M input loads, M vpdpbusd.
__attribute__((target("avx2,avxvnni"), always_inline)) static inline void
int8_dot_block_vnni(float *out, const uint8_t *xq, const float *x_scales, const int8_t *w, const float *w_scales,
                    const int32_t *row_sums, const float *bias, size_t k, size_t n_total, size_t n_begin,
                    size_t n_end, const int M) {
    size_t k32 = k & ~(size_t)31;
    INT8_DOT_ROWS(
        for (int i = 0; i < M; i++)
            acc[i] = _mm256_dpbusd_avx_epi32(acc[i], _mm256_loadu_si256((const __m256i *)(xq + i * k + p)), vw);
        ,
        // The row sum covers all k columns; the vector part only k32.
        int32_t tail = 0;
        for (size_t p = k32; p < k; p++) tail += row[p];
        INT8_DOT_FINISH(hsum_epi32(acc[i]), 128 * (row_sums[n] - tail)))
}

// AVX2 without VNNI: vpmaddubsw needs one unsigned operand and saturates at 16 bits, so it
// multiplies |w| (≤ 127) by x carrying w's sign (|x| ≤ 127): a pair sums to at most 32,258.
// vpmaddwd by ones widens the pairs to int32. The weights' row sums are not needed.
__attribute__((target("avx2"), always_inline)) static inline void
int8_dot_block_avx2(float *out, const uint8_t *xq, const float *x_scales, const int8_t *w, const float *w_scales,
                    const float *bias, size_t k, size_t n_total, size_t n_begin, size_t n_end, const int M) {
    size_t k32 = k & ~(size_t)31;
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i offset = _mm256_set1_epi8((char)0x80);
    INT8_DOT_ROWS(
        __m256i magnitude = _mm256_abs_epi8(vw);
        for (int i = 0; i < M; i++) {
            __m256i vx = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(xq + i * k + p)), offset);
            __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(vx, vw));
            acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(pairs, ones));
        },
        INT8_DOT_FINISH(hsum_epi32(acc[i]), 0))
}

#define SLUICE_INT8_DOT_KERNELS(M)                                                                              \
    __attribute__((target("avx2,avxvnni"))) static void int8_dot_m##M##_vnni(                                   \
        float *out, const uint8_t *xq, const float *x_scales, const int8_t *w, const float *w_scales,           \
        const int32_t *row_sums, const float *bias, size_t k, size_t n_total, size_t n_begin, size_t n_end) {   \
        int8_dot_block_vnni(out, xq, x_scales, w, w_scales, row_sums, bias, k, n_total, n_begin, n_end, M);     \
    }                                                                                                           \
    __attribute__((target("avx2"))) static void int8_dot_m##M##_avx2(                                           \
        float *out, const uint8_t *xq, const float *x_scales, const int8_t *w, const float *w_scales,           \
        const int32_t *row_sums, const float *bias, size_t k, size_t n_total, size_t n_begin, size_t n_end) {   \
        (void)row_sums;                                                                                         \
        int8_dot_block_avx2(out, xq, x_scales, w, w_scales, bias, k, n_total, n_begin, n_end, M);               \
    }
SLUICE_INT8_DOT_KERNELS(1)
SLUICE_INT8_DOT_KERNELS(2)
SLUICE_INT8_DOT_KERNELS(3)
SLUICE_INT8_DOT_KERNELS(4)
SLUICE_INT8_DOT_KERNELS(5)
SLUICE_INT8_DOT_KERNELS(6)
SLUICE_INT8_DOT_KERNELS(7)
SLUICE_INT8_DOT_KERNELS(8)

typedef void (*int8_dot_kernel)(float *, const uint8_t *, const float *, const int8_t *, const float *,
                                const int32_t *, const float *, size_t, size_t, size_t, size_t);
static const int8_dot_kernel int8_dot_vnni[LOWP_MAX_M + 1] = {
    0, int8_dot_m1_vnni, int8_dot_m2_vnni, int8_dot_m3_vnni, int8_dot_m4_vnni,
    int8_dot_m5_vnni, int8_dot_m6_vnni, int8_dot_m7_vnni, int8_dot_m8_vnni,
};
static const int8_dot_kernel int8_dot_avx2[LOWP_MAX_M + 1] = {
    0, int8_dot_m1_avx2, int8_dot_m2_avx2, int8_dot_m3_avx2, int8_dot_m4_avx2,
    int8_dot_m5_avx2, int8_dot_m6_avx2, int8_dot_m7_avx2, int8_dot_m8_avx2,
};

static int use_avx_vnni(void) {
    // Any thread may ask first: read and written atomically, as in cpu.c.
    static int cached = -1;
    int answer = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (answer < 0) {
        __builtin_cpu_init();
        answer = sluice_kernels_use_avx2() && __builtin_cpu_supports("avxvnni");
        __atomic_store_n(&cached, answer, __ATOMIC_RELAXED);
    }
    return answer;
}
#endif

int sluice_int8_dot_level(void) {
#ifdef SLUICE_LOWP_X86
    if (sluice_kernels_use_avx2()) return use_avx_vnni() ? 2 : 1;
#endif
    return 0;
}

void sluice_linear_int8_quantized_small_m_at(int level, float *out, const uint8_t *xq, const float *x_scales,
                                             const int8_t *w, const float *w_scales, const int32_t *row_sums,
                                             const float *bias, size_t m, size_t k, size_t n_total, size_t n_begin,
                                             size_t n_end) {
    if (level > sluice_int8_dot_level()) level = sluice_int8_dot_level();
#ifdef SLUICE_LOWP_X86
    if (level >= 1) {
        const int8_dot_kernel *kernels = level == 2 ? int8_dot_vnni : int8_dot_avx2;
        // Beyond 8 input rows, each tile of weight rows (in L2) serves every block of 8 input
        // rows before the next tile is read from memory.
        for (size_t n0 = n_begin; n0 < n_end; n0 += LOWP_TILE_N) {
            size_t n1 = n_end - n0 < LOWP_TILE_N ? n_end : n0 + LOWP_TILE_N;
            for (size_t i = 0; i < m; i += LOWP_MAX_M) {
                size_t mi = m - i < LOWP_MAX_M ? m - i : LOWP_MAX_M;
                kernels[mi](out + i * n_total, xq + i * k, x_scales + i, w, w_scales, row_sums, bias, k, n_total, n0,
                            n1);
            }
        }
        return;
    }
#endif
    linear_int8_quantized_portable(out, xq, x_scales, w, w_scales, bias, m, k, n_total, n_begin, n_end);
}

void sluice_linear_int8_quantized_small_m(float *out, const uint8_t *xq, const float *x_scales, const int8_t *w,
                                          const float *w_scales, const int32_t *row_sums, const float *bias,
                                          size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end) {
    sluice_linear_int8_quantized_small_m_at(2, out, xq, x_scales, w, w_scales, row_sums, bias, m, k, n_total,
                                            n_begin, n_end);
}
