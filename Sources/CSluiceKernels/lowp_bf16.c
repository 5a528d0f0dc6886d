// bfloat16 weights: conversion from f32 with round-to-nearest-even, and back (a bf16 value is
// the top half of an f32, so widening is a 16-bit shift and exact; only the narrowing rounds).
// The weight-streaming linear layer is in lowp_stream.c.
#include "sluice_lowp_linear.h"
#include "sluice_cpu.h"
#include "lowp_simd.h"

#include <string.h>

static inline uint16_t bf16_from_f32(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);  // quiet NaN
    // Add just under half an ulp of bf16, plus one when the kept part is odd: ties go to even.
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

void sluice_f32_to_bf16(uint16_t *dst, const float *src, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = bf16_from_f32(src[i]);
}

#ifdef SLUICE_LOWP_X86
__attribute__((target("avx2,fma"))) static void bf16_to_f32_avx2(float *dst, const uint16_t *w, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, lowp_load_bf16x8(w + i));
    for (; i < count; i++) dst[i] = lowp_f32_from_bf16(w[i]);
}
#endif

static void bf16_to_f32_portable(float *dst, const uint16_t *w, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = lowp_f32_from_bf16(w[i]);
}

void sluice_bf16_to_f32(float *dst, const uint16_t *w, size_t count) {
    LOWP_AVX2_OR_PORTABLE(bf16_to_f32_avx2, bf16_to_f32_portable, dst, w, count);
}
