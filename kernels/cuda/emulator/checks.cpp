// Field and curve arithmetic of field.cuh / curve.cuh exposed over plain u32 limb arrays, so the
// Rust tests (backends/cuda/tests/field_curve_host.rs) can check the very code the kernels run
// (its portable, non-PTX paths) against arkworks. Layout: docs/CUDA.md, "Data layout".

#include "../curve.cuh"

namespace {

template <class P>
int check_fp(int op, const u32* a, const u32* b, u32* out) {
    if (a == nullptr || out == nullptr) return -1;
    Fp<P> x = fp_load<P>(a);
    auto y = [&]() { return fp_load<P>(b); };
    bool needs_b = op == 0 || op == 1 || op == 4 || op == 10;
    if (needs_b && b == nullptr) return -1;
    switch (op) {
        case 0: fp_store(out, fp_add(x, y())); return 0;
        case 1: fp_store(out, fp_sub(x, y())); return 0;
        case 2: fp_store(out, fp_neg(x)); return 0;
        case 3: fp_store(out, fp_dbl(x)); return 0;
        case 4: fp_store(out, fp_mul(x, y())); return 0;
        case 5: fp_store(out, fp_sqr(x)); return 0;
        case 6: fp_store(out, fp_inv(x)); return 0;
        case 7: fp_store(out, fp_from_mont(x)); return 0;
        case 8: fp_store(out, fp_to_mont(x)); return 0;
        case 9: out[0] = fp_is_zero(x) ? 1u : 0u; return 0;
        case 10: out[0] = fp_eq(x, y()) ? 1u : 0u; return 0;
        case 11: fp_store(out, fp_one<P>()); return 0;
        case 12: fp_store(out, fp_zero<P>()); return 0;
        default: return -1;
    }
}

}  // namespace

extern "C" {

// Fq arithmetic on Montgomery limbs. op: 0 add, 1 sub, 2 neg, 3 dbl, 4 mul, 5 sqr, 6 inv,
// 7 from_mont, 8 to_mont, 9 is_zero (out[0] = 0/1), 10 eq (out[0] = 0/1), 11 one, 12 zero.
// `b` is read only by the binary ops. Returns 0, or -1 for an unknown op / missing operand.
int zk_check_fq(int op, const u32* a, const u32* b, u32* out) { return check_fp<FqParams>(op, a, b, out); }

// Fr arithmetic, same op codes as zk_check_fq.
int zk_check_fr(int op, const u32* a, const u32* b, u32* out) { return check_fp<FrParams>(op, a, b, out); }

// G1 operations. `p` is an XYZZ point (32 limbs) unless noted, `q` as noted, `out` 32 limbs for an
// XYZZ result, 16 for an affine one.
//   0 add_affine: out = p + q, q affine
//   1 add:        out = p + q, q XYZZ
//   2 double:     out = 2p
//   3 neg:        out = -p
//   4 from_affine: p affine, out XYZZ
//   5 affine_neg: p affine, out affine
//   6 affine_double: p affine (not the identity), out XYZZ
//   7 is_identity: out[0] = 0/1 (p XYZZ)
//   8 affine_is_identity: out[0] = 0/1 (p affine)
//   9 identity: out = the XYZZ identity
// Returns 0, or -1 for an unknown op / missing operand.
int zk_check_g1(int op, const u32* p, const u32* q, u32* out) {
    if (out == nullptr) return -1;
    if (op != 9 && p == nullptr) return -1;
    if ((op == 0 || op == 1) && q == nullptr) return -1;
    switch (op) {
        case 0: g1_xyzz_store(out, g1_xyzz_add_affine(g1_xyzz_load(p), g1_affine_load(q))); return 0;
        case 1: g1_xyzz_store(out, g1_xyzz_add(g1_xyzz_load(p), g1_xyzz_load(q))); return 0;
        case 2: g1_xyzz_store(out, g1_xyzz_double(g1_xyzz_load(p))); return 0;
        case 3: g1_xyzz_store(out, g1_xyzz_neg(g1_xyzz_load(p))); return 0;
        case 4: g1_xyzz_store(out, g1_xyzz_from_affine(g1_affine_load(p))); return 0;
        case 5: g1_affine_store(out, g1_affine_neg(g1_affine_load(p))); return 0;
        case 6: g1_xyzz_store(out, g1_affine_double(g1_affine_load(p))); return 0;
        case 7: out[0] = g1_xyzz_is_identity(g1_xyzz_load(p)) ? 1u : 0u; return 0;
        case 8: out[0] = g1_affine_is_identity(g1_affine_load(p)) ? 1u : 0u; return 0;
        case 9: g1_xyzz_store(out, g1_xyzz_identity()); return 0;
        default: return -1;
    }
}

}  // extern "C"
