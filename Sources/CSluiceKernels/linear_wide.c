// Linear layers for batches of many rows, on AVX-512 or AVX2 + FMA, without packing the weights.
//
// BLAS packs (copies) the whole weight matrix on every call before multiplying; at the row
// counts a server batches (tens to hundreds of tokens) that copy costs a large share of the
// product. Here the activations are transposed instead (x is small: rows × in), and each
// output tile is an outer product: 16·A rows of xᵀ in A vectors, times NR weights broadcast
// one at a time straight from the Hugging Face [out, in] layout, accumulated in A·NR
// registers over the whole of k. No horizontal sums; each weight row is read from memory
// once and from cache for the other row tiles. (The AVX2 form copies one small weight tile at a
// time where the layout's rows would evict one another from L1; see linear_wide_avx2.)
#include "sluice_linear.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_cpu.h"
#include "sluice_elementwise.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SLUICE_X86 1
#endif

enum {
    NR = 12,       // weight rows per tile: 2·12 accumulators + 2 inputs + a broadcast ≤ 32 registers
    K_BLOCK = 768, // k per pass: a tile's weights (12 × 768 floats, 36 KiB) stay in L1
    M_BLOCK = 128, // rows per pass: their xᵀ block (128 × 768 floats, 384 KiB) stays in L2
};

// The AVX-512 kernels where the WIDE family runs AVX-512; otherwise, on AVX2 + FMA, the AVX2
// kernels (linear_wide_avx2).
static int wide_avx512(void) { return sluice_kernels_use_avx512(SLUICE_KERNELS_WIDE); }

static int wide_avx2(void) { return !wide_avx512() && sluice_kernels_use_avx2(); }

int sluice_wide_available(void) { return wide_avx512() || wide_avx2(); }

size_t sluice_wide_padded_rows(size_t m) { return (m + 15) & ~(size_t)15; }

// How many weight rows the tile after the one at n0 holds (tiles of nr rows up to n_end): the
// rows its first row tile prefetches; 0 after the last tile.
static inline size_t next_tile_rows(size_t n0, size_t n_end, size_t nr) {
    if (n0 + nr >= n_end) return 0;
    return n_end - n0 - nr < nr ? n_end - n0 - nr : nr;
}

// Layout of xt: panels of 16 rows, each panel k × 16 contiguous (xt[(t·k + p)·16 + i] is
// x[16t + i, p]), so a tile walks each of its panels sequentially for any k range.
static void transpose_columns_portable(float *panel, const float *src, size_t rows, size_t k, size_t p0,
                                       size_t p1) {
    for (size_t i = 0; i < 16; i++)
        for (size_t p = p0; p < p1; p++) panel[p * 16 + i] = i < rows ? src[i * k + p] : 0.0f;
}

#ifdef SLUICE_X86
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

// The activations of one vector, the same operations as elementwise.c's AVX-512 path.
#define SIMD_W 512
#define SIMD_LANES 16
#define SIMD_TARGET AVX512
#define SIMD_NAME(f) f##_wide
#define SIMD_ROUND(v) _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define SIMD_VECTOR_ONLY
#include "gelu_simd.h"

// `activation` (a SLUICE_ACTIVATION_* code) of 16 values, as sluice_activation_apply.
AVX512 __attribute__((always_inline)) static inline __m512 activate(__m512 v, int activation) {
    switch (activation) {
    case SLUICE_ACTIVATION_GELU_ERF: return gelu_erf_vector_wide(v);
    case SLUICE_ACTIVATION_GELU_TANH: return gelu_tanh_vector_wide(v);
    case SLUICE_ACTIVATION_SILU: return silu_vector_wide(v);
    case SLUICE_ACTIVATION_RELU:
        return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), _mm512_setzero_ps());
    default: return v;
    }
}

#include "transpose16.h"

// Columns [p0, p0 + 16) of one panel: 16 rows loaded (those ≥ rows as zeros), transposed,
// stored as 16 contiguous columns.
AVX512 static void transpose_block_avx512(float *panel, const float *src, size_t rows, size_t k, size_t p0) {
    __m512 r[16];
    for (size_t i = 0; i < 16; i++) r[i] = i < rows ? _mm512_loadu_ps(src + i * k + p0) : _mm512_setzero_ps();
    transpose16_avx512(r);
    for (int c = 0; c < 16; c++) _mm512_storeu_ps(panel + (p0 + (size_t)c) * 16, r[c]);
}

// One tile: rows [m0, m0 + 16·A) (those ≥ m are padding, never stored) × weight rows
// [n0, n0 + R), over k in [p0, p1). The first pass (p0 == 0) writes x·wᵀ + bias; later passes
// add to what is there. A and R are compile-time constants at every call site, so the loops
// unroll and the accumulators live in registers.
//
// With `activation` ≥ 0 the tile is written in the transposed panel layout instead (out is
// [mpad / 16][n_total][16], as sluice_transpose_padded lays out an input of n_total columns):
// each accumulator is one panel column already, so it is stored as it is, padding rows
// included, and the last pass over k applies the activation in registers before the store.
//
// `next`, when not NULL, is the next tile's first weight row (`next_rows` rows): its weights
// for [p0, p1) are prefetched into L2 while this tile computes, one cache line of one row
// every iteration (every line of every row in 16 iterations), so that reading the weights
// from memory overlaps computing with them instead of following it. Only a weight tile's
// first row tile prefetches; the others find the weights in L1.
AVX512 __attribute__((always_inline)) static inline void
wide_tile(float *out, const float *xt, const float *w, const float *bias, size_t m, size_t k, size_t n_total,
          size_t m0, size_t n0, size_t p0, size_t p1, const float *next, size_t next_rows, const int A, const int R,
          const int activation) {
    __m512 acc[2][NR];
#pragma clang loop unroll(full)
    for (int a = 0; a < 2; a++)
#pragma clang loop unroll(full)
        for (int j = 0; j < NR; j++) acc[a][j] = _mm512_setzero_ps();
    const float *wr = w + n0 * k;
    const float *x0p = xt + (m0 / 16) * k * 16;
    const float *x1p = x0p + k * 16;
#pragma clang loop unroll(disable)
    for (size_t p = p0; p < p1; p++) {
        if (next != NULL && (p & 15) < next_rows)
            _mm_prefetch((const char *)(next + (p & 15) * k + (p & ~(size_t)15)), _MM_HINT_T1);
        __m512 x0 = _mm512_loadu_ps(x0p + p * 16);
        __m512 x1 = A > 1 ? _mm512_loadu_ps(x1p + p * 16) : x0;
#pragma clang loop unroll(full)
        for (int j = 0; j < R; j++) {
            __m512 wj = _mm512_set1_ps(wr[(size_t)j * k + p]);
            acc[0][j] = _mm512_fmadd_ps(x0, wj, acc[0][j]);
            if (A > 1) acc[1][j] = _mm512_fmadd_ps(x1, wj, acc[1][j]);
        }
    }
    if (activation >= 0) {
#pragma clang loop unroll(full)
        for (int a = 0; a < A; a++) {
            float *dst = out + ((m0 / 16 + (size_t)a) * n_total + n0) * 16;
#pragma clang loop unroll(full)
            for (int j = 0; j < R; j++) {
                __m512 prior = p0 > 0 ? _mm512_loadu_ps(dst + 16 * j)
                               : bias  ? _mm512_set1_ps(bias[n0 + (size_t)j])
                                       : _mm512_setzero_ps();
                __m512 v = _mm512_add_ps(acc[a][j], prior);
                _mm512_storeu_ps(dst + 16 * j, p1 == k ? activate(v, activation) : v);
            }
        }
        return;
    }
    // Each group of 16 rows: its R column vectors transposed into rows, then each row's R
    // outputs written (or added to, after the first pass over k) with one masked store;
    // contiguous, unlike a scatter down the columns.
    const __mmask16 columns = (__mmask16)((1u << R) - 1u);
#pragma clang loop unroll(full)
    for (int a = 0; a < A; a++) {
        size_t row = m0 + 16 * (size_t)a;
        if (row >= m) break;
        size_t valid = m - row < 16 ? m - row : 16;
        __m512 t[16];
#pragma clang loop unroll(full)
        for (int j = 0; j < 16; j++) t[j] = j < R ? acc[a][j] : _mm512_setzero_ps();
        transpose16_avx512(t);
        __m512 add = p0 == 0 && bias ? _mm512_maskz_loadu_ps(columns, bias + n0) : _mm512_setzero_ps();
        float *base = out + row * n_total + n0;
        for (size_t i = 0; i < valid; i++) {
            float *dst = base + i * n_total;
            __m512 v = _mm512_add_ps(t[i], p0 > 0 ? _mm512_maskz_loadu_ps(columns, dst) : add);
            _mm512_mask_storeu_ps(dst, columns, v);
        }
    }
}

#define WIDE_TILE(A, R)                                                                                    \
    AVX512 static void wide_tile_##A##_##R(float *out, const float *xt, const float *w, const float *bias, \
                                           size_t m, size_t k, size_t n_total, size_t m0, size_t n0,       \
                                           size_t p0, size_t p1, const float *next, size_t next_rows,      \
                                           int activation) {                                               \
        if (activation >= 0)                                                                               \
            wide_tile(out, xt, w, bias, m, k, n_total, m0, n0, p0, p1, next, next_rows, A, R, activation); \
        else                                                                                               \
            wide_tile(out, xt, w, bias, m, k, n_total, m0, n0, p0, p1, next, next_rows, A, R, -1);         \
    }
#define WIDE_TILES(A)                                                                                      \
    WIDE_TILE(A, 1)                                                                                        \
    WIDE_TILE(A, 2)                                                                                        \
    WIDE_TILE(A, 3)                                                                                        \
    WIDE_TILE(A, 4)                                                                                        \
    WIDE_TILE(A, 5)                                                                                        \
    WIDE_TILE(A, 6)                                                                                        \
    WIDE_TILE(A, 7)                                                                                        \
    WIDE_TILE(A, 8)                                                                                        \
    WIDE_TILE(A, 9)                                                                                        \
    WIDE_TILE(A, 10)                                                                                       \
    WIDE_TILE(A, 11)                                                                                       \
    WIDE_TILE(A, 12)
WIDE_TILES(1)
WIDE_TILES(2)

typedef void (*wide_tile_fn)(float *, const float *, const float *, const float *, size_t, size_t, size_t,
                             size_t, size_t, size_t, size_t, const float *, size_t, int);
static const wide_tile_fn wide_tiles[2][NR + 1] = {
    {0, wide_tile_1_1, wide_tile_1_2, wide_tile_1_3, wide_tile_1_4, wide_tile_1_5, wide_tile_1_6, wide_tile_1_7,
     wide_tile_1_8, wide_tile_1_9, wide_tile_1_10, wide_tile_1_11, wide_tile_1_12},
    {0, wide_tile_2_1, wide_tile_2_2, wide_tile_2_3, wide_tile_2_4, wide_tile_2_5, wide_tile_2_6, wide_tile_2_7,
     wide_tile_2_8, wide_tile_2_9, wide_tile_2_10, wide_tile_2_11, wide_tile_2_12},
};

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA: the same outer products with 8-lane vectors, for processors without AVX-512 (and
// where the WIDE family runs its AVX2 path). A tile is one panel of 16 rows (two vectors) ×
// NR_AVX2 weight rows: 2·6 accumulators + 2 inputs + a broadcast fit the 16 registers. On a
// 2-core Zen 2 OpenBLAS reaches 100–155 GFLOP/s at 32–128 rows (it packs the weights on every
// call) against 178 at 512.
#define AVX2W __attribute__((target("avx2,fma")))

// Where k is a multiple of 512 (rows of 1024, 2048 or 3072 floats start a multiple of 2 or
// 4 KiB apart, so a tile's 6 rows fall into the same few L1 sets and evict one another), each
// weight tile is first copied into a small buffer, its rows LD_AVX2 floats apart, in passes of
// PACKED_K_BLOCK over k (the buffer, 6 × 784 floats, stays in L1). Elsewhere the tiles read
// the weights in place, in one pass over k up to K_BLOCK_AVX2. On the Zen 2, 32 rows
// (alternated twice): k = 3072 × 768 outputs 130–136 → 146–147 GFLOP/s copied, k = 1024 × 3072
// outputs 144.5 → 153–155; k = 768 in place 183, copied 167.
enum { NR_AVX2 = 6, K_BLOCK_AVX2 = 4096, PACKED_K_BLOCK = 768, LD_AVX2 = PACKED_K_BLOCK + 16 };

#define SIMD_W 256
#define SIMD_LANES 8
#define SIMD_TARGET AVX2W
#define SIMD_NAME(f) f##_wide_avx2
#define SIMD_ROUND(v) _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define SIMD_VECTOR_ONLY
#include "gelu_simd.h"

AVX2W __attribute__((always_inline)) static inline __m256 activate_avx2(__m256 v, int activation) {
    switch (activation) {
    case SLUICE_ACTIVATION_GELU_ERF: return gelu_erf_vector_wide_avx2(v);
    case SLUICE_ACTIVATION_GELU_TANH: return gelu_tanh_vector_wide_avx2(v);
    case SLUICE_ACTIVATION_SILU: return silu_vector_wide_avx2(v);
    // max_ps returns its second operand when either is NaN, or both are zeros: NaN and -0
    // stay as they are, as the portable `x < 0 ? 0 : x` leaves them.
    case SLUICE_ACTIVATION_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v);
    default: return v;
    }
}

// Columns [p0, p0 + 8) of one panel: 16 rows (those ≥ rows as zeros), each column stored as
// its 16 contiguous values.
AVX2W static void transpose_block_avx2(float *panel, const float *src, size_t rows, size_t k, size_t p0) {
    for (size_t half = 0; half < 2; half++) {
        __m256 r[8];
        for (size_t i = 0; i < 8; i++)
            r[i] = 8 * half + i < rows ? _mm256_loadu_ps(src + (8 * half + i) * k + p0) : _mm256_setzero_ps();
        __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
        __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
        __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
        __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
        __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
        __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
        __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
        __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
        __m256 c[8];
        c[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
        c[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
        c[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
        c[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
        c[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
        c[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
        c[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
        c[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(panel + (p0 + (size_t)j) * 16 + 8 * half, c[j]);
    }
}

// One tile: the 16 rows of panel m0 / 16 × weight rows [n0, n0 + R), over k in [p0, p1), as
// wide_tile with A = 1 (same outputs, layouts and prefetch of the next tile). `wr` is the
// tile's first weight row, ldw floats from one row to the next, indexed by p − p0: the weights
// in place (w + n0 · k + p0, ldw = k) or the tile's copy (ldw = LD_AVX2).
AVX2W __attribute__((always_inline)) static inline void
wide_tile_avx2(float *out, const float *xt, const float *wr, size_t ldw, const float *bias, size_t m, size_t k,
               size_t n_total, size_t m0, size_t n0, size_t p0, size_t p1, const float *next, size_t next_rows,
               const int R, const int activation) {
    __m256 acc[2][NR_AVX2];
#pragma clang loop unroll(full)
    for (int j = 0; j < NR_AVX2; j++) acc[0][j] = acc[1][j] = _mm256_setzero_ps();
    wr -= p0;
    const float *xp = xt + (m0 / 16) * k * 16;
#pragma clang loop unroll(disable)
    for (size_t p = p0; p < p1; p++) {
        if (next != NULL && (p & 15) < next_rows)
            _mm_prefetch((const char *)(next + (p & 15) * k + (p & ~(size_t)15)), _MM_HINT_T1);
        __m256 x0 = _mm256_loadu_ps(xp + p * 16);
        __m256 x1 = _mm256_loadu_ps(xp + p * 16 + 8);
#pragma clang loop unroll(full)
        for (int j = 0; j < R; j++) {
            __m256 wj = _mm256_broadcast_ss(wr + (size_t)j * ldw + p);
            acc[0][j] = _mm256_fmadd_ps(x0, wj, acc[0][j]);
            acc[1][j] = _mm256_fmadd_ps(x1, wj, acc[1][j]);
        }
    }
    if (activation >= 0) {
        float *dst = out + ((m0 / 16) * n_total + n0) * 16;
#pragma clang loop unroll(full)
        for (int j = 0; j < R; j++)
            for (int h = 0; h < 2; h++) {
                float *d = dst + 16 * j + 8 * h;
                __m256 prior = p0 > 0 ? _mm256_loadu_ps(d)
                               : bias  ? _mm256_set1_ps(bias[n0 + (size_t)j])
                                       : _mm256_setzero_ps();
                __m256 v = _mm256_add_ps(acc[h][j], prior);
                _mm256_storeu_ps(d, p1 == k ? activate_avx2(v, activation) : v);
            }
        return;
    }
    // Row-major: the tile's columns through a small buffer, each row's R outputs written (or
    // added to, after the first pass over k).
    float columns[NR_AVX2][16];
#pragma clang loop unroll(full)
    for (int j = 0; j < R; j++) {
        _mm256_storeu_ps(columns[j], acc[0][j]);
        _mm256_storeu_ps(columns[j] + 8, acc[1][j]);
    }
    size_t valid = m - m0 < 16 ? m - m0 : 16;
    for (size_t i = 0; i < valid; i++) {
        float *dst = out + (m0 + i) * n_total + n0;
        for (int j = 0; j < R; j++)
            dst[j] = columns[j][i] + (p0 > 0 ? dst[j] : bias ? bias[n0 + (size_t)j] : 0.0f);
    }
}

#define WIDE_TILE_AVX2(R)                                                                                   \
    AVX2W static void wide_tile_avx2_##R(float *out, const float *xt, const float *wr, size_t ldw,           \
                                         const float *bias, size_t m, size_t k, size_t n_total, size_t m0,    \
                                         size_t n0, size_t p0, size_t p1, const float *next, size_t next_rows, \
                                         int activation) {                                                    \
        if (activation >= 0)                                                                                \
            wide_tile_avx2(out, xt, wr, ldw, bias, m, k, n_total, m0, n0, p0, p1, next, next_rows, R,         \
                           activation);                                                                     \
        else                                                                                                \
            wide_tile_avx2(out, xt, wr, ldw, bias, m, k, n_total, m0, n0, p0, p1, next, next_rows, R, -1);    \
    }
WIDE_TILE_AVX2(1)
WIDE_TILE_AVX2(2)
WIDE_TILE_AVX2(3)
WIDE_TILE_AVX2(4)
WIDE_TILE_AVX2(5)
WIDE_TILE_AVX2(6)

typedef void (*wide_tile_avx2_fn)(float *, const float *, const float *, size_t, const float *, size_t, size_t,
                                  size_t, size_t, size_t, size_t, size_t, const float *, size_t, int);
static const wide_tile_avx2_fn wide_tiles_avx2[NR_AVX2 + 1] = {
    0, wide_tile_avx2_1, wide_tile_avx2_2, wide_tile_avx2_3, wide_tile_avx2_4, wide_tile_avx2_5, wide_tile_avx2_6,
};

// linear_wide's loops for the AVX2 tiles: blocks of rows, passes over k, weight tiles, panels.
static void linear_wide_avx2(float *out, const float *xt, const float *w, const float *bias, size_t m, size_t k,
                             size_t n_total, size_t n_begin, size_t n_end, int activation) {
    static _Thread_local float tile[NR_AVX2 * LD_AVX2] __attribute__((aligned(64)));
    int packed = k % 512 == 0;
    size_t k_block = packed ? PACKED_K_BLOCK : K_BLOCK_AVX2;
    size_t mpad = sluice_wide_padded_rows(m);
    for (size_t mb = 0; mb < mpad; mb += M_BLOCK) {
        size_t me = mb + M_BLOCK < mpad ? mb + M_BLOCK : mpad;
        for (size_t p0 = 0; p0 < k; p0 += k_block) {
            size_t p1 = p0 + k_block < k ? p0 + k_block : k;
            for (size_t n0 = n_begin; n0 < n_end; n0 += NR_AVX2) {
                size_t r = n_end - n0 < NR_AVX2 ? n_end - n0 : NR_AVX2;
                size_t next_rows = next_tile_rows(n0, n_end, NR_AVX2);
                const float *next = next_rows > 0 ? w + (n0 + NR_AVX2) * k : NULL;
                const float *wr = w + n0 * k + p0;
                size_t ldw = k;
                if (packed) {
                    for (size_t j = 0; j < r; j++) memcpy(tile + j * LD_AVX2, wr + j * k, (p1 - p0) * sizeof(float));
                    wr = tile;
                    ldw = LD_AVX2;
                }
                for (size_t m0 = mb; m0 < me; m0 += 16, next = NULL)
                    wide_tiles_avx2[r](out, xt, wr, ldw, bias, m, k, n_total, m0, n0, p0, p1, next, next_rows,
                                       activation);
            }
        }
    }
}
#endif

void sluice_transpose_padded(float *xt, const float *x, size_t m, size_t k, size_t panel_begin, size_t panel_end) {
    for (size_t t = panel_begin; t < panel_end; t++) {
        float *panel = xt + t * k * 16;
        size_t rows = m - 16 * t < 16 ? m - 16 * t : 16;
        const float *src = x + 16 * t * k;
        size_t p = 0;
#ifdef SLUICE_X86
        if (wide_avx512())
            for (; p + 16 <= k; p += 16) transpose_block_avx512(panel, src, rows, k, p);
        else if (wide_avx2())
            for (; p + 8 <= k; p += 8) transpose_block_avx2(panel, src, rows, k, p);
#endif
        transpose_columns_portable(panel, src, rows, k, p, k);
    }
}

// The loops of sluice_linear_wide and sluice_linear_wide_to_panels; activation < 0: row-major
// output.
static void linear_wide(float *out, const float *xt, const float *w, const float *bias, size_t m, size_t k,
                        size_t n_total, size_t n_begin, size_t n_end, int activation) {
    size_t mpad = sluice_wide_padded_rows(m);
#ifdef SLUICE_X86
    if (wide_avx2()) {
        linear_wide_avx2(out, xt, w, bias, m, k, n_total, n_begin, n_end, activation);
        return;
    }
    if (wide_avx512()) {
        // Blocks of rows, then passes over k, then weight-row tiles, then row tiles: a tile's
        // weights come from memory once per row block and from L1 for its other row tiles, and
        // the block's xᵀ stays in L2 for all the weight tiles.
        for (size_t mb = 0; mb < mpad; mb += M_BLOCK) {
            size_t me = mb + M_BLOCK < mpad ? mb + M_BLOCK : mpad;
            for (size_t p0 = 0; p0 < k; p0 += K_BLOCK) {
                size_t p1 = p0 + K_BLOCK < k ? p0 + K_BLOCK : k;
                for (size_t n0 = n_begin; n0 < n_end; n0 += NR) {
                    size_t r = n_end - n0 < NR ? n_end - n0 : NR;
                    size_t next_rows = next_tile_rows(n0, n_end, NR);
                    const float *next = next_rows > 0 ? w + (n0 + NR) * k : NULL;
                    size_t m0 = mb;
                    for (; m0 + 32 <= me; m0 += 32, next = NULL)
                        wide_tiles[1][r](out, xt, w, bias, m, k, n_total, m0, n0, p0, p1, next, next_rows,
                                         activation);
                    if (m0 < me)
                        wide_tiles[0][r](out, xt, w, bias, m, k, n_total, m0, n0, p0, p1, next, next_rows,
                                         activation);
                }
            }
        }
        return;
    }
#endif
    // Portable: the same sums from the transposed input.
    for (size_t n = n_begin; n < n_end; n++) {
        const float *row = w + n * k;
        for (size_t i = 0; i < (activation >= 0 ? mpad : m); i++) {
            const float *panel = xt + (i / 16) * k * 16 + i % 16;
            float s = 0;
            for (size_t p = 0; p < k; p++) s += panel[p * 16] * row[p];
            s += bias ? bias[n] : 0.0f;
            if (activation < 0) {
                out[i * n_total + n] = s;
            } else {
                float *dst = out + ((i / 16) * n_total + n) * 16 + i % 16;
                *dst = s;
                sluice_activation_apply(activation, dst, 1);
            }
        }
    }
}

void sluice_linear_wide(float *out, const float *xt, const float *w, const float *bias, size_t m, size_t k,
                        size_t n_total, size_t n_begin, size_t n_end) {
    linear_wide(out, xt, w, bias, m, k, n_total, n_begin, n_end, -1);
}

void sluice_linear_wide_to_panels(float *out_t, const float *xt, const float *w, const float *bias, size_t m,
                                  size_t k, size_t n_total, size_t n_begin, size_t n_end, int activation) {
    linear_wide(out_t, xt, w, bias, m, k, n_total, n_begin, n_end, activation < 0 ? 0 : activation);
}

// Each thread's scratch buffer is freed when the thread exits (found by LeakSanitizer: the
// test suite starts and stops many inference threads).
static pthread_key_t scratch_key;
static pthread_once_t scratch_key_once = PTHREAD_ONCE_INIT;
static void make_scratch_key(void) { pthread_key_create(&scratch_key, free); }

float *sluice_wide_scratch(size_t floats) {
    static _Thread_local float *buffer;
    static _Thread_local size_t capacity;
    if (floats > capacity) {
        pthread_once(&scratch_key_once, make_scratch_key);
        free(buffer);
        buffer = aligned_alloc(64, (floats * sizeof(float) + 63) & ~(size_t)63);
        capacity = buffer ? floats : 0;
        pthread_setspecific(scratch_key, buffer);
    }
    return buffer;
}
