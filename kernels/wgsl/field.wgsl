// Prime-field arithmetic for BN254's Fq or Fr, whichever the host's generated header names.
//
// The header (backends/webgpu/src/shaders.rs) defines, from arkworks' own constants:
//   FIELD_P: Fe    the modulus p
//   FIELD_ONE: Fe  1 in Montgomery form (2^256 mod p)
//   FIELD_INV: u32 -p^-1 mod 2^16
//
// Representation. WGSL has no 64-bit integers, so an element is 16 limbs of 16 bits, little
// endian, each held in a u32: a 16x16-bit product plus two 16-bit addends is at most 2^32 - 1,
// so the Montgomery multiplication below never overflows a u32 and needs no carry flag.
// Elements are in Montgomery form with R = 2^256 (arkworks' convention) and always reduced
// below p. In buffers an element is eight 32-bit words (`Words`), the same bytes as arkworks'
// four u64 limbs; `fe_from_words` / `fe_to_words` convert at load and store.

alias Fe = array<u32, 16>;
alias Words = array<u32, 8>;

const LIMB_MASK: u32 = 0xffffu;

fn fe_from_words(w: Words) -> Fe {
    var words = w;
    var r: Fe;
    for (var k = 0u; k < 8u; k++) {
        r[2u * k] = words[k] & LIMB_MASK;
        r[2u * k + 1u] = words[k] >> 16u;
    }
    return r;
}

fn fe_to_words(a: Fe) -> Words {
    var limbs = a;
    var w: Words;
    for (var k = 0u; k < 8u; k++) {
        w[k] = limbs[2u * k] | (limbs[2u * k + 1u] << 16u);
    }
    return w;
}

fn fe_zero() -> Fe {
    return Fe();
}

fn fe_one() -> Fe {
    return FIELD_ONE;
}

fn fe_is_zero(a: Fe) -> bool {
    var limbs = a;
    var acc = 0u;
    for (var i = 0u; i < 16u; i++) {
        acc |= limbs[i];
    }
    return acc == 0u;
}

fn fe_eq(a: Fe, b: Fe) -> bool {
    var x = a;
    var y = b;
    var acc = 0u;
    for (var i = 0u; i < 16u; i++) {
        acc |= x[i] ^ y[i];
    }
    return acc == 0u;
}

// a - p if a >= p, else a. Needs a < 2p.
fn fe_reduce_once(a: Fe) -> Fe {
    var x = a;
    var p = FIELD_P;
    var d: Fe;
    var borrow = 0u;
    for (var i = 0u; i < 16u; i++) {
        let s = x[i] - p[i] - borrow;
        d[i] = s & LIMB_MASK;
        borrow = s >> 31u;
    }
    if (borrow == 0u) {
        return d;
    }
    return x;
}

fn fe_add(a: Fe, b: Fe) -> Fe {
    var x = a;
    var y = b;
    var r: Fe;
    var carry = 0u;
    for (var i = 0u; i < 16u; i++) {
        let s = x[i] + y[i] + carry;
        r[i] = s & LIMB_MASK;
        carry = s >> 16u;
    }
    // p < 2^254, so a + b < 2^255 and the last carry is zero.
    return fe_reduce_once(r);
}

fn fe_sub(a: Fe, b: Fe) -> Fe {
    var x = a;
    var y = b;
    var r: Fe;
    var borrow = 0u;
    for (var i = 0u; i < 16u; i++) {
        let s = x[i] - y[i] - borrow;
        r[i] = s & LIMB_MASK;
        borrow = s >> 31u;
    }
    if (borrow != 0u) {
        var p = FIELD_P;
        var carry = 0u;
        for (var i = 0u; i < 16u; i++) {
            let s = r[i] + p[i] + carry;
            r[i] = s & LIMB_MASK;
            carry = s >> 16u;
        }
    }
    return r;
}

fn fe_neg(a: Fe) -> Fe {
    if (fe_is_zero(a)) {
        return a;
    }
    return fe_sub(FIELD_P, a);
}

fn fe_double(a: Fe) -> Fe {
    return fe_add(a, a);
}

// Montgomery product a * b / 2^256 mod p (CIOS, one 16-bit limb of b per outer step).
fn fe_mul(a: Fe, b: Fe) -> Fe {
    var x = a;
    var y = b;
    var p = FIELD_P;
    var t: array<u32, 18>;
    for (var i = 0u; i < 16u; i++) {
        let yi = y[i];
        var c = 0u;
        for (var j = 0u; j < 16u; j++) {
            let s = t[j] + x[j] * yi + c;
            t[j] = s & LIMB_MASK;
            c = s >> 16u;
        }
        let s1 = t[16] + c;
        t[16] = s1 & LIMB_MASK;
        t[17] = s1 >> 16u;

        let m = (t[0] * FIELD_INV) & LIMB_MASK;
        c = (t[0] + m * p[0]) >> 16u;
        for (var j = 1u; j < 16u; j++) {
            let s = t[j] + m * p[j] + c;
            t[j - 1u] = s & LIMB_MASK;
            c = s >> 16u;
        }
        let s2 = t[16] + c;
        t[15] = s2 & LIMB_MASK;
        t[16] = t[17] + (s2 >> 16u);
    }
    // The result is below 2p < 2^256, so t[16] is zero here.
    var r: Fe;
    for (var i = 0u; i < 16u; i++) {
        r[i] = t[i];
    }
    return fe_reduce_once(r);
}

fn fe_square(a: Fe) -> Fe {
    return fe_mul(a, a);
}
