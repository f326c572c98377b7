// BN254 prime fields Fq (base) and Fr (scalar): eight 32-bit little-endian limbs in Montgomery
// form with R = 2^256 (the same limbs arkworks keeps). Every value a function returns is fully
// reduced (< modulus). On the GPU the hot paths are PTX carry chains; everywhere else (the host
// emulator, the C++ checks) a portable 64-bit-product path computes the same results.
#pragma once
#include "prelude.cuh"

// ---------------------------------------------------------------------------------------------
// Parameters. Values: modulus, -modulus^-1 mod 2^32, R mod modulus ("one"), R^2 mod modulus.

struct FqParams {
    static ZK_HD u32 modulus(int i) {
        constexpr u32 m[8] = {0xd87cfd47u, 0x3c208c16u, 0x6871ca8du, 0x97816a91u,
                              0x8181585du, 0xb85045b6u, 0xe131a029u, 0x30644e72u};
        return m[i];
    }
    static ZK_HD u32 inv() { return 0xe4866389u; }
    static ZK_HD u32 one(int i) {
        constexpr u32 m[8] = {0xc58f0d9du, 0xd35d438du, 0xf5c70b3du, 0x0a78eb28u,
                              0x7879462cu, 0x666ea36fu, 0x9a07df2fu, 0x0e0a77c1u};
        return m[i];
    }
    static ZK_HD u32 r2(int i) {
        constexpr u32 m[8] = {0x538afa89u, 0xf32cfc5bu, 0xd44501fbu, 0xb5e71911u,
                              0x0a417ff6u, 0x47ab1effu, 0xcab8351fu, 0x06d89f71u};
        return m[i];
    }
};

struct FrParams {
    static ZK_HD u32 modulus(int i) {
        constexpr u32 m[8] = {0xf0000001u, 0x43e1f593u, 0x79b97091u, 0x2833e848u,
                              0x8181585du, 0xb85045b6u, 0xe131a029u, 0x30644e72u};
        return m[i];
    }
    static ZK_HD u32 inv() { return 0xefffffffu; }
    static ZK_HD u32 one(int i) {
        constexpr u32 m[8] = {0x4ffffffbu, 0xac96341cu, 0x9f60cd29u, 0x36fc7695u,
                              0x7879462eu, 0x666ea36fu, 0x9a07df2fu, 0x0e0a77c1u};
        return m[i];
    }
    static ZK_HD u32 r2(int i) {
        constexpr u32 m[8] = {0xae216da7u, 0x1bb8e645u, 0xe35c59e3u, 0x53fe3ab1u,
                              0x53bb8085u, 0x8c49833du, 0x7f4e44a5u, 0x0216d0b1u};
        return m[i];
    }
};

// A field element: limb[0] is least significant.
template <class P>
struct Fp {
    u32 limb[8];
};

typedef Fp<FqParams> Fq;
typedef Fp<FrParams> Fr;

// ---------------------------------------------------------------------------------------------
// Construction, loads and stores.

template <class P>
ZK_HD Fp<P> fp_zero() {
    Fp<P> r;
    for (int i = 0; i < 8; i++) r.limb[i] = 0;
    return r;
}

// One, in Montgomery form (R mod modulus).
template <class P>
ZK_HD Fp<P> fp_one() {
    Fp<P> r;
    for (int i = 0; i < 8; i++) r.limb[i] = P::one(i);
    return r;
}

template <class P>
ZK_HD Fp<P> fp_modulus() {
    Fp<P> r;
    for (int i = 0; i < 8; i++) r.limb[i] = P::modulus(i);
    return r;
}

template <class P>
ZK_HD Fp<P> fp_load(const u32* src) {
    Fp<P> r;
    for (int i = 0; i < 8; i++) r.limb[i] = src[i];
    return r;
}

template <class P>
ZK_HD void fp_store(u32* dst, const Fp<P>& a) {
    for (int i = 0; i < 8; i++) dst[i] = a.limb[i];
}

template <class P>
ZK_HD bool fp_is_zero(const Fp<P>& a) {
    u32 acc = 0;
    for (int i = 0; i < 8; i++) acc |= a.limb[i];
    return acc == 0;
}

template <class P>
ZK_HD bool fp_eq(const Fp<P>& a, const Fp<P>& b) {
    u32 acc = 0;
    for (int i = 0; i < 8; i++) acc |= a.limb[i] ^ b.limb[i];
    return acc == 0;
}

// ---------------------------------------------------------------------------------------------
// Raw 256-bit helpers (portable). Return the carry / borrow out of the top limb.

ZK_HD u32 zk_add256(u32 r[8], const u32 a[8], const u32 b[8]) {
    u64 carry = 0;
    for (int i = 0; i < 8; i++) {
        u64 s = (u64)a[i] + b[i] + carry;
        r[i] = (u32)s;
        carry = s >> 32;
    }
    return (u32)carry;
}

ZK_HD u32 zk_sub256(u32 r[8], const u32 a[8], const u32 b[8]) {
    u64 borrow = 0;
    for (int i = 0; i < 8; i++) {
        u64 d = (u64)a[i] - b[i] - borrow;
        r[i] = (u32)d;
        borrow = (d >> 32) & 1;
    }
    return (u32)borrow;
}

// r = a - modulus if a >= modulus, else a. Valid for a < 2 * modulus.
template <class P>
ZK_HD void zk_reduce_once(u32 r[8], const u32 a[8]) {
    u32 p[8];
    for (int i = 0; i < 8; i++) p[i] = P::modulus(i);
    u32 d[8];
    u32 borrow = zk_sub256(d, a, p);
    for (int i = 0; i < 8; i++) r[i] = borrow ? a[i] : d[i];
}

// ---------------------------------------------------------------------------------------------
// Addition and subtraction. Moduli are below 2^254, so a + b never carries out of 256 bits.

template <class P>
ZK_HD Fp<P> fp_add(const Fp<P>& a, const Fp<P>& b) {
    u32 s[8];
    zk_add256(s, a.limb, b.limb);
    Fp<P> r;
    zk_reduce_once<P>(r.limb, s);
    return r;
}

template <class P>
ZK_HD Fp<P> fp_sub(const Fp<P>& a, const Fp<P>& b) {
    u32 d[8];
    u32 borrow = zk_sub256(d, a.limb, b.limb);
    u32 p[8];
    for (int i = 0; i < 8; i++) p[i] = borrow ? P::modulus(i) : 0u;
    Fp<P> r;
    zk_add256(r.limb, d, p);
    return r;
}

template <class P>
ZK_HD Fp<P> fp_dbl(const Fp<P>& a) {
    return fp_add(a, a);
}

template <class P>
ZK_HD Fp<P> fp_neg(const Fp<P>& a) {
    if (fp_is_zero(a)) return a;
    Fp<P> r;
    u32 p[8];
    for (int i = 0; i < 8; i++) p[i] = P::modulus(i);
    zk_sub256(r.limb, p, a.limb);
    return r;
}

// ---------------------------------------------------------------------------------------------
// Montgomery multiplication, CIOS. With a, b < p < 2^254 every intermediate t stays below
// 2p + 2^32·p < 2^288, so nine limbs hold it and the value after each row is below 2p.

#if defined(__CUDA_ARCH__)

// t[0..8] += a · b (b one limb); the caller guarantees the sum fits in nine limbs.
ZK_DEV void zk_mac_row(u32 t[9], const u32 a[8], u32 b) {
    asm("mad.lo.cc.u32  %0, %9,  %17, %0;\n\t"
        "madc.lo.cc.u32 %1, %10, %17, %1;\n\t"
        "madc.lo.cc.u32 %2, %11, %17, %2;\n\t"
        "madc.lo.cc.u32 %3, %12, %17, %3;\n\t"
        "madc.lo.cc.u32 %4, %13, %17, %4;\n\t"
        "madc.lo.cc.u32 %5, %14, %17, %5;\n\t"
        "madc.lo.cc.u32 %6, %15, %17, %6;\n\t"
        "madc.lo.cc.u32 %7, %16, %17, %7;\n\t"
        "addc.u32       %8, %8, 0;\n\t"
        "mad.hi.cc.u32  %1, %9,  %17, %1;\n\t"
        "madc.hi.cc.u32 %2, %10, %17, %2;\n\t"
        "madc.hi.cc.u32 %3, %11, %17, %3;\n\t"
        "madc.hi.cc.u32 %4, %12, %17, %4;\n\t"
        "madc.hi.cc.u32 %5, %13, %17, %5;\n\t"
        "madc.hi.cc.u32 %6, %14, %17, %6;\n\t"
        "madc.hi.cc.u32 %7, %15, %17, %7;\n\t"
        "madc.hi.u32    %8, %16, %17, %8;"
        : "+r"(t[0]), "+r"(t[1]), "+r"(t[2]), "+r"(t[3]), "+r"(t[4]), "+r"(t[5]), "+r"(t[6]), "+r"(t[7]),
          "+r"(t[8])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(a[4]), "r"(a[5]), "r"(a[6]), "r"(a[7]), "r"(b));
}

#else

ZK_HD void zk_mac_row(u32 t[9], const u32 a[8], u32 b) {
    u64 carry = 0;
    for (int j = 0; j < 8; j++) {
        u64 s = (u64)a[j] * b + t[j] + carry;
        t[j] = (u32)s;
        carry = s >> 32;
    }
    t[8] += (u32)carry;
}

#endif

template <class P>
ZK_HD Fp<P> fp_mul(const Fp<P>& a, const Fp<P>& b) {
    u32 p[8];
    for (int i = 0; i < 8; i++) p[i] = P::modulus(i);
    u32 t[9];
    for (int i = 0; i < 9; i++) t[i] = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int i = 0; i < 8; i++) {
        zk_mac_row(t, a.limb, b.limb[i]);  // t[8] is zero here, the sum below 2p + 2^32·p
        u32 m = t[0] * P::inv();
        zk_mac_row(t, p, m);  // makes t[0] zero
        // t[0] is now zero: divide by 2^32.
        for (int j = 0; j < 8; j++) t[j] = t[j + 1];
        t[8] = 0;
    }
    Fp<P> r;
    zk_reduce_once<P>(r.limb, t);
    return r;
}

template <class P>
ZK_HD Fp<P> fp_sqr(const Fp<P>& a) {
    return fp_mul(a, a);
}

// a^e for a little-endian 256-bit exponent e.
template <class P>
ZK_HD Fp<P> fp_pow(const Fp<P>& a, const u32 e[8]) {
    Fp<P> acc = fp_one<P>();
    for (int i = 7; i >= 0; i--) {
        for (int bit = 31; bit >= 0; bit--) {
            acc = fp_sqr(acc);
            if ((e[i] >> bit) & 1u) acc = fp_mul(acc, a);
        }
    }
    return acc;
}

// Multiplicative inverse by Fermat (a^(p-2)); the inverse of zero is zero. Slow: for the few
// places that need one (conversions, precomputation), not for inner loops.
template <class P>
ZK_HD Fp<P> fp_inv(const Fp<P>& a) {
    u32 e[8];
    for (int i = 0; i < 8; i++) e[i] = P::modulus(i);
    e[0] -= 2;  // the low limb of both moduli is odd and above 2: no borrow
    return fp_pow(a, e);
}

// Montgomery form to the canonical integer (a · R^-1).
template <class P>
ZK_HD Fp<P> fp_from_mont(const Fp<P>& a) {
    Fp<P> one_raw = fp_zero<P>();
    one_raw.limb[0] = 1;
    return fp_mul(a, one_raw);
}

// Canonical integer (< modulus) to Montgomery form (a · R).
template <class P>
ZK_HD Fp<P> fp_to_mont(const Fp<P>& a) {
    Fp<P> r2;
    for (int i = 0; i < 8; i++) r2.limb[i] = P::r2(i);
    return fp_mul(a, r2);
}
