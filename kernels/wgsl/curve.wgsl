// BN254 G1 (y^2 = x^3 + 3 over Fq) in XYZZ coordinates, plus affine inputs.
//
// An XYZZ point (X, Y, ZZ, ZZZ) with ZZ^3 = ZZZ^2 stands for the affine point
// (X / ZZ, Y / ZZZ); ZZ = 0 is the identity. Affine points in buffers are x ‖ y (Montgomery
// words) with (0, 0) for the identity, which is not on the curve (0 != 3).
//
// Addition of (X1, Y1, ZZ1, ZZZ1) and (X2, Y2, ZZ2, ZZZ2): bring both to the common
// denominators ZZ1·ZZ2 and ZZZ1·ZZZ2,
//   U1 = X1·ZZ2, U2 = X2·ZZ1, S1 = Y1·ZZZ2, S2 = Y2·ZZZ1, P = U2 − U1, R = S2 − S1.
// P = 0 means equal x: the points are equal (R = 0, so double) or opposite (identity).
// Otherwise, with PP = P², PPP = P·PP, Q = U1·PP, the chord through both points gives
//   X3 = R² − PPP − 2Q, Y3 = R·(Q − X3) − S1·PPP, ZZ3 = ZZ1·ZZ2·PP, ZZZ3 = ZZZ1·ZZZ2·PPP.
// The mixed addition is the same with ZZ2 = ZZZ2 = 1.
// Doubling (a = 0): U = 2Y, V = U², W = U·V, S = X·V, M = 3X² (ZZ² factor absorbed by V),
//   X3 = M² − 2S, Y3 = M·(S − X3) − W·Y, ZZ3 = V·ZZ, ZZZ3 = W·ZZZ.
// BN254's G1 has no point of order 2, so Y = 0 only for the identity, where ZZ3 = 0 too.

struct Xyzz {
    x: Fe,
    y: Fe,
    zz: Fe,
    zzz: Fe,
}

// An XYZZ point in a buffer: X ‖ Y ‖ ZZ ‖ ZZZ, 128 bytes.
struct XyzzWords {
    x: Words,
    y: Words,
    zz: Words,
    zzz: Words,
}

// An affine point in a buffer: x ‖ y, 64 bytes, (0, 0) for the identity.
struct AffineWords {
    x: Words,
    y: Words,
}

struct Affine {
    x: Fe,
    y: Fe,
    infinity: bool,
}

fn xyzz_identity() -> Xyzz {
    return Xyzz(fe_zero(), fe_zero(), fe_zero(), fe_zero());
}

fn xyzz_is_identity(p: Xyzz) -> bool {
    return fe_is_zero(p.zz);
}

fn affine_from_words(w: AffineWords) -> Affine {
    let x = fe_from_words(w.x);
    let y = fe_from_words(w.y);
    return Affine(x, y, fe_is_zero(x) && fe_is_zero(y));
}

fn affine_neg(a: Affine) -> Affine {
    return Affine(a.x, fe_neg(a.y), a.infinity);
}

fn xyzz_from_affine(a: Affine) -> Xyzz {
    if (a.infinity) {
        return xyzz_identity();
    }
    return Xyzz(a.x, a.y, fe_one(), fe_one());
}

fn xyzz_from_words(w: XyzzWords) -> Xyzz {
    return Xyzz(fe_from_words(w.x), fe_from_words(w.y), fe_from_words(w.zz), fe_from_words(w.zzz));
}

fn xyzz_to_words(p: Xyzz) -> XyzzWords {
    return XyzzWords(fe_to_words(p.x), fe_to_words(p.y), fe_to_words(p.zz), fe_to_words(p.zzz));
}

// p + q. `q_unit` says q's ZZ and ZZZ are one (an affine input), so the products by them are
// skipped. Every multiplication goes through the one fe_mul call in the loop: the software
// Vulkan driver inlines each call site, so straight-line formulas compile many times slower.
fn xyzz_add_impl(p: Xyzz, q: Xyzz, q_unit: bool) -> Xyzz {
    if (xyzz_is_identity(q)) {
        return p;
    }
    if (xyzz_is_identity(p)) {
        return q;
    }
    var u1: Fe;
    var u2: Fe;
    var s1: Fe;
    var pd: Fe;
    var r: Fe;
    var pp: Fe;
    var ppp: Fe;
    var qq: Fe;
    var x3: Fe;
    var y3: Fe;
    var zz3: Fe;
    var zzz3: Fe;
    var dbl = false;
    for (var step = 0u; step < 15u; step++) {
        var a: Fe;
        var b: Fe;
        var skip = false;
        switch step {
            case 0u: { a = p.x; b = q.zz; skip = q_unit; }
            case 1u: { a = q.x; b = p.zz; }
            case 2u: { a = p.y; b = q.zzz; skip = q_unit; }
            case 3u: { a = q.y; b = p.zzz; }
            case 4u: { a = u1; b = u1; skip = !dbl; }
            case 5u: { a = pd; b = pd; }
            case 6u: { a = pd; b = pp; }
            case 7u: { a = u1; b = pp; }
            case 8u: { a = r; b = r; }
            case 9u: { a = r; b = fe_sub(qq, x3); }
            case 10u: { a = s1; b = ppp; }
            case 11u: { a = p.zz; b = q.zz; skip = q_unit; }
            case 12u: { a = zz3; b = pp; }
            case 13u: { a = p.zzz; b = q.zzz; skip = q_unit; }
            default: { a = zzz3; b = ppp; }
        }
        var m = a;
        if (!skip) {
            m = fe_mul(a, b);
        }
        switch step {
            case 0u: { u1 = m; }
            case 1u: { u2 = m; }
            case 2u: { s1 = m; }
            case 3u: {
                pd = fe_sub(u2, u1);
                r = fe_sub(m, s1);
                if (fe_is_zero(pd)) {
                    if (!fe_is_zero(r)) {
                        return xyzz_identity();
                    }
                    // Equal points: double (U1, S1, ZZ1·ZZ2, ZZZ1·ZZZ2) with P = 2·S1 and
                    // R = 3·U1², the same formulas with −PPP left out of X3.
                    dbl = true;
                    pd = fe_double(s1);
                }
            }
            case 4u: {
                if (dbl) {
                    r = fe_add(fe_double(m), m);
                }
            }
            case 5u: { pp = m; }
            case 6u: { ppp = m; }
            case 7u: { qq = m; }
            case 8u: {
                x3 = fe_sub(m, fe_double(qq));
                if (!dbl) {
                    x3 = fe_sub(x3, ppp);
                }
            }
            case 9u: { y3 = m; }
            case 10u: { y3 = fe_sub(y3, m); }
            case 11u: { zz3 = m; }
            case 12u: { zz3 = m; }
            case 13u: { zzz3 = m; }
            default: { zzz3 = m; }
        }
    }
    return Xyzz(x3, y3, zz3, zzz3);
}

// p + q for XYZZ points (any of them the identity, equal or opposite).
fn xyzz_add(p: Xyzz, q: Xyzz) -> Xyzz {
    return xyzz_add_impl(p, q, false);
}

// p + a for an XYZZ p and an affine a (mixed addition).
fn xyzz_add_affine(p: Xyzz, a: Affine) -> Xyzz {
    return xyzz_add_impl(p, xyzz_from_affine(a), true);
}

// 2·p (the addition's equal-points case).
fn xyzz_double(p: Xyzz) -> Xyzz {
    return xyzz_add_impl(p, p, false);
}
