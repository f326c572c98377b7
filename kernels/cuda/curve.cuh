// BN254 G1 (y^2 = x^3 + 3 over Fq) in two representations:
//   G1Affine: (x, y); the identity is (0, 0), which is not on the curve.
//   G1Xyzz:   (X, Y, ZZ, ZZZ) with x = X/ZZ, y = Y/ZZZ, ZZ^3 = ZZZ^2; the identity has ZZ = 0.
// Formulas: the "xyzz" coordinates of Bernstein–Lange's Explicit-Formulas Database for
// short Weierstrass curves with a = 0 (madd-2008-s, add-2008-s, dbl-2008-s-1),
// with the special cases (identity operands, equal points, opposite points) handled explicitly.
#pragma once
#include "field.cuh"

struct G1Affine {
    Fq x, y;
};

struct G1Xyzz {
    Fq x, y, zz, zzz;
};

ZK_HD bool g1_affine_is_identity(const G1Affine& p) {
    return fp_is_zero(p.x) && fp_is_zero(p.y);
}

ZK_HD bool g1_xyzz_is_identity(const G1Xyzz& p) {
    return fp_is_zero(p.zz);
}

ZK_HD G1Affine g1_affine_load(const u32* src) {
    G1Affine p;
    p.x = fp_load<FqParams>(src);
    p.y = fp_load<FqParams>(src + 8);
    return p;
}

ZK_HD void g1_affine_store(u32* dst, const G1Affine& p) {
    fp_store(dst, p.x);
    fp_store(dst + 8, p.y);
}

ZK_HD G1Xyzz g1_xyzz_load(const u32* src) {
    G1Xyzz p;
    p.x = fp_load<FqParams>(src);
    p.y = fp_load<FqParams>(src + 8);
    p.zz = fp_load<FqParams>(src + 16);
    p.zzz = fp_load<FqParams>(src + 24);
    return p;
}

ZK_HD void g1_xyzz_store(u32* dst, const G1Xyzz& p) {
    fp_store(dst, p.x);
    fp_store(dst + 8, p.y);
    fp_store(dst + 16, p.zz);
    fp_store(dst + 24, p.zzz);
}

ZK_HD G1Xyzz g1_xyzz_identity() {
    G1Xyzz p;
    p.x = fp_one<FqParams>();
    p.y = fp_one<FqParams>();
    p.zz = fp_zero<FqParams>();
    p.zzz = fp_zero<FqParams>();
    return p;
}

ZK_HD G1Xyzz g1_xyzz_from_affine(const G1Affine& a) {
    if (g1_affine_is_identity(a)) return g1_xyzz_identity();
    G1Xyzz p;
    p.x = a.x;
    p.y = a.y;
    p.zz = fp_one<FqParams>();
    p.zzz = fp_one<FqParams>();
    return p;
}

ZK_HD G1Affine g1_affine_neg(const G1Affine& a) {
    G1Affine r;
    r.x = a.x;
    r.y = fp_neg(a.y);  // the identity (0, 0) stays (0, 0)
    return r;
}

ZK_HD G1Xyzz g1_xyzz_neg(const G1Xyzz& p) {
    G1Xyzz r = p;
    r.y = fp_neg(p.y);
    return r;
}

// 2·P (dbl-2008-s-1). The identity doubles to the identity (ZZ stays zero).
ZK_HD G1Xyzz g1_xyzz_double(const G1Xyzz& p) {
    if (g1_xyzz_is_identity(p)) return g1_xyzz_identity();
    Fq u = fp_dbl(p.y);
    Fq v = fp_sqr(u);
    Fq w = fp_mul(u, v);
    Fq s = fp_mul(p.x, v);
    Fq xx = fp_sqr(p.x);
    Fq m = fp_add(fp_dbl(xx), xx);
    G1Xyzz r;
    r.x = fp_sub(fp_sqr(m), fp_dbl(s));
    r.y = fp_sub(fp_mul(m, fp_sub(s, r.x)), fp_mul(w, p.y));
    r.zz = fp_mul(v, p.zz);
    r.zzz = fp_mul(w, p.zzz);
    return r;
}

// 2·(x, y) for an affine point (only on the rare equal-points path of the mixed addition, so
// the two multiplications by ZZ = ZZZ = 1 that a dedicated formula would save do not matter).
ZK_HD G1Xyzz g1_affine_double(const G1Affine& a) {
    return g1_xyzz_double(g1_xyzz_from_affine(a));
}

// P + Q with Q affine (madd-2008-s).
ZK_HD G1Xyzz g1_xyzz_add_affine(const G1Xyzz& p, const G1Affine& q) {
    if (g1_affine_is_identity(q)) return p;
    if (g1_xyzz_is_identity(p)) return g1_xyzz_from_affine(q);
    Fq u2 = fp_mul(q.x, p.zz);
    Fq s2 = fp_mul(q.y, p.zzz);
    Fq h = fp_sub(u2, p.x);
    Fq r = fp_sub(s2, p.y);
    if (fp_is_zero(h)) {
        if (fp_is_zero(r)) return g1_affine_double(q);
        return g1_xyzz_identity();  // Q = -P
    }
    Fq pp = fp_sqr(h);
    Fq ppp = fp_mul(h, pp);
    Fq qq = fp_mul(p.x, pp);
    G1Xyzz out;
    out.x = fp_sub(fp_sub(fp_sqr(r), ppp), fp_dbl(qq));
    out.y = fp_sub(fp_mul(r, fp_sub(qq, out.x)), fp_mul(p.y, ppp));
    out.zz = fp_mul(p.zz, pp);
    out.zzz = fp_mul(p.zzz, ppp);
    return out;
}

// P + Q, both XYZZ (add-2008-s).
ZK_HD G1Xyzz g1_xyzz_add(const G1Xyzz& p, const G1Xyzz& q) {
    if (g1_xyzz_is_identity(q)) return p;
    if (g1_xyzz_is_identity(p)) return q;
    Fq u1 = fp_mul(p.x, q.zz);
    Fq u2 = fp_mul(q.x, p.zz);
    Fq s1 = fp_mul(p.y, q.zzz);
    Fq s2 = fp_mul(q.y, p.zzz);
    Fq h = fp_sub(u2, u1);
    Fq r = fp_sub(s2, s1);
    if (fp_is_zero(h)) {
        if (fp_is_zero(r)) return g1_xyzz_double(p);
        return g1_xyzz_identity();  // Q = -P
    }
    Fq pp = fp_sqr(h);
    Fq ppp = fp_mul(h, pp);
    Fq qq = fp_mul(u1, pp);
    G1Xyzz out;
    out.x = fp_sub(fp_sub(fp_sqr(r), ppp), fp_dbl(qq));
    out.y = fp_sub(fp_mul(r, fp_sub(qq, out.x)), fp_mul(s1, ppp));
    out.zz = fp_mul(fp_mul(p.zz, q.zz), pp);
    out.zzz = fp_mul(fp_mul(p.zzz, q.zzz), ppp);
    return out;
}
