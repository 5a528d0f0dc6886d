// e^x, erf, the two GELU forms and SiLU for one vector width, written once and included by
// elementwise.c for each width it compiles (AVX2: 8 lanes, AVX-512: 16), so both widths run
// the same operations in the same order and give the same value to the bit. Not a header of
// the module's interface and deliberately without an include guard. Before including it,
// define:
//   SIMD_W            the vector width in bits (256 or 512: intrinsics are _mm<W>_...)
//   SIMD_LANES        floats per vector
//   SIMD_TARGET       the target attribute of every function here
//   SIMD_NAME(f)      the name of this width's f (exp → exp_avx2, ...)
//   SIMD_ROUND(v)     v rounded to the nearest integer, ties to even
//   SIMD_ERF_TAIL     the gelu_erf that finishes the last n mod SIMD_LANES values
//   SIMD_TANH_TAIL    the same for gelu_tanh
//   SIMD_SILU_TAIL    the same for silu
//   SIMD_VECTOR_ONLY  (optional) to define only the functions of one vector, not the array
//                     functions (and then no tails)
// It undefines them all at its end.

#define SIMD_CAT_(a, b, c) a##b##c
#define SIMD_CAT(a, b, c) SIMD_CAT_(a, b, c)
#define SIMD_CAT5_(a, b, c, d, e) a##b##c##d##e
#define SIMD_CAT5(a, b, c, d, e) SIMD_CAT5_(a, b, c, d, e)
#define VF SIMD_CAT(__m, SIMD_W, )
#define VI SIMD_CAT(__m, SIMD_W, i)
#define OP(name) SIMD_CAT(_mm, SIMD_W, _##name)
#define SET(v) OP(set1_ps)(v)

// e^x for x in [-87.3, 88] to about 1 ulp: x = n·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split in
// two parts so that r is exact), e^r by its degree-7 Taylor polynomial (truncation below
// 1e-8 relative over that interval), times 2^n built in the exponent bits. Arguments below
// the range give e^-87.3, above it e^88: both far beyond what the callers can distinguish.
SIMD_TARGET static inline VF SIMD_NAME(exp)(VF x) {
    x = OP(min_ps)(OP(max_ps)(x, SET(-87.3f)), SET(88.0f));
    VF n = SIMD_ROUND(OP(mul_ps)(x, SET(1.44269504088896341f)));
    VF r = OP(fnmadd_ps)(n, SET(0.693359375f), x);
    r = OP(fnmadd_ps)(n, SET(-2.12194440e-4f), r);
    VF p = SET(1.0f / 5040.0f);
    p = OP(fmadd_ps)(p, r, SET(1.0f / 720.0f));
    p = OP(fmadd_ps)(p, r, SET(1.0f / 120.0f));
    p = OP(fmadd_ps)(p, r, SET(1.0f / 24.0f));
    p = OP(fmadd_ps)(p, r, SET(1.0f / 6.0f));
    p = OP(fmadd_ps)(p, r, SET(0.5f));
    p = OP(fmadd_ps)(p, r, SET(1.0f));
    p = OP(fmadd_ps)(p, r, SET(1.0f));
    VI bits = OP(slli_epi32)(OP(add_epi32)(OP(cvtps_epi32)(n), OP(set1_epi32)(127)), 23);
    return OP(mul_ps)(p, SIMD_CAT5(_mm, SIMD_W, _castsi, SIMD_W, _ps)(bits));
}

// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7):
// erf(|x|) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(−x²), t = 1 / (1 + p·|x|).
SIMD_TARGET static inline VF SIMD_NAME(erf)(VF x) {
    const VF sign_mask = SET(-0.0f);
    VF sign = OP(and_ps)(x, sign_mask);
    VF ax = OP(andnot_ps)(sign_mask, x);
    VF t = OP(div_ps)(SET(1.0f), OP(fmadd_ps)(ax, SET(0.3275911f), SET(1.0f)));
    VF q = SET(1.061405429f);
    q = OP(fmadd_ps)(q, t, SET(-1.453152027f));
    q = OP(fmadd_ps)(q, t, SET(1.421413741f));
    q = OP(fmadd_ps)(q, t, SET(-0.284496736f));
    q = OP(fmadd_ps)(q, t, SET(0.254829592f));
    q = OP(mul_ps)(q, t);
    VF e = SIMD_NAME(exp)(OP(mul_ps)(OP(xor_ps)(ax, sign_mask), ax));
    VF y = OP(fnmadd_ps)(q, e, SET(1.0f));
    return OP(or_ps)(y, sign);
}

// The two GELU forms of one vector: what the array functions below compute, and what the
// wide kernel applies to its accumulators in registers (linear_wide.c).
SIMD_TARGET static inline VF SIMD_NAME(gelu_erf_vector)(VF v) {
    VF e = SIMD_NAME(erf)(OP(mul_ps)(v, SET(0.70710678118654752f)));
    VF half_v = OP(mul_ps)(v, SET(0.5f));
    return OP(fmadd_ps)(half_v, e, half_v);
}

// 0.5·v·(1 + tanh(u)) = v / (1 + e^(−2u)), u = √(2/π)·(v + 0.044715·v³): no cancellation
// near 0 and the right limits at both ends.
SIMD_TARGET static inline VF SIMD_NAME(gelu_tanh_vector)(VF v) {
    VF v3 = OP(mul_ps)(OP(mul_ps)(v, v), v);
    VF u = OP(mul_ps)(OP(fmadd_ps)(v3, SET(0.044715f), v), SET(-2.0f * 0.79788456080286536f));
    VF d = OP(add_ps)(SET(1.0f), SIMD_NAME(exp)(u));
    return OP(div_ps)(v, d);
}

// SiLU, v·σ(v) = v / (1 + e^(−v)), as torch.nn.functional.silu computes it.
SIMD_TARGET static inline VF SIMD_NAME(silu_vector)(VF v) {
    VF d = OP(add_ps)(SET(1.0f), SIMD_NAME(exp)(OP(sub_ps)(OP(setzero_ps)(), v)));
    return OP(div_ps)(v, d);
}

#ifndef SIMD_VECTOR_ONLY
SIMD_TARGET static void SIMD_NAME(gelu_erf)(float *x, size_t n) {
    size_t i = 0;
    for (; i + SIMD_LANES <= n; i += SIMD_LANES) OP(storeu_ps)(x + i, SIMD_NAME(gelu_erf_vector)(OP(loadu_ps)(x + i)));
    SIMD_ERF_TAIL(x + i, n - i);
}

SIMD_TARGET static void SIMD_NAME(gelu_tanh)(float *x, size_t n) {
    size_t i = 0;
    for (; i + SIMD_LANES <= n; i += SIMD_LANES) OP(storeu_ps)(x + i, SIMD_NAME(gelu_tanh_vector)(OP(loadu_ps)(x + i)));
    SIMD_TANH_TAIL(x + i, n - i);
}

SIMD_TARGET static void SIMD_NAME(silu)(float *x, size_t n) {
    size_t i = 0;
    for (; i + SIMD_LANES <= n; i += SIMD_LANES) OP(storeu_ps)(x + i, SIMD_NAME(silu_vector)(OP(loadu_ps)(x + i)));
    SIMD_SILU_TAIL(x + i, n - i);
}
#endif

#undef SET
#undef OP
#undef VI
#undef VF
#undef SIMD_CAT5
#undef SIMD_CAT5_
#undef SIMD_CAT
#undef SIMD_CAT_
#undef SIMD_W
#undef SIMD_LANES
#undef SIMD_TARGET
#undef SIMD_NAME
#undef SIMD_ROUND
#undef SIMD_VECTOR_ONLY
#undef SIMD_ERF_TAIL
#undef SIMD_TANH_TAIL
#undef SIMD_SILU_TAIL
