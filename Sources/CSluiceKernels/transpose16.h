// One 16 × 16 transpose in AVX-512 registers, for the kernels that work in the transposed
// orientation (linear_wide.c, attention.c). Not a header of the module's interface; include
// it where AVX512 (the target attribute) is defined.
#ifndef SLUICE_TRANSPOSE16_H
#define SLUICE_TRANSPOSE16_H

#include <immintrin.h>

// r[i] ← column i of the 16 × 16 matrix whose rows r held, in four rounds of shuffles (pairs
// of floats, of doubles, then 128-bit lanes twice).
AVX512 __attribute__((always_inline)) static inline void transpose16_avx512(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    // r[4q + j] now holds, in each 128-bit lane L, column 4L + j of rows 4q … 4q + 3.
    for (int i = 0; i < 16; i++) t[i] = r[i];
    for (int j = 0; j < 4; j++) {
        __m512 a = _mm512_shuffle_f32x4(t[j], t[4 + j], 0x88);       // lanes 0,2 of rows 0-3 | 4-7
        __m512 b = _mm512_shuffle_f32x4(t[8 + j], t[12 + j], 0x88);  // lanes 0,2 of rows 8-11 | 12-15
        __m512 c = _mm512_shuffle_f32x4(t[j], t[4 + j], 0xDD);       // lanes 1,3 of rows 0-3 | 4-7
        __m512 d = _mm512_shuffle_f32x4(t[8 + j], t[12 + j], 0xDD);  // lanes 1,3 of rows 8-11 | 12-15
        r[j] = _mm512_shuffle_f32x4(a, b, 0x88);                       // column j
        r[8 + j] = _mm512_shuffle_f32x4(a, b, 0xDD);                   // column 8 + j
        r[4 + j] = _mm512_shuffle_f32x4(c, d, 0x88);                   // column 4 + j
        r[12 + j] = _mm512_shuffle_f32x4(c, d, 0xDD);                  // column 12 + j
    }
}

#endif
