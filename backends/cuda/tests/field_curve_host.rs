//! The field and curve arithmetic of `kernels/cuda/field.cuh` and `curve.cuh`, compiled for the
//! host by the emulator build (their portable paths), against arkworks: thousands of random
//! values plus the edge cases (0, 1, p − 1, equal and opposite points, identities).

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInt, BigInteger, Field, One, PrimeField, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel_cuda::emulated::checks::{self, Affine, FieldOp, Limbs, Xyzz};
use zkaccel_cuda::layout;

const RANDOM: usize = 3000;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(0x5eed_c0de)
}

fn split(limbs: &[u64; 4]) -> Limbs {
    let mut out = [0u32; 8];
    for (i, l) in limbs.iter().enumerate() {
        out[2 * i] = *l as u32;
        out[2 * i + 1] = (*l >> 32) as u32;
    }
    out
}

fn join(limbs: &Limbs) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u64::from(limbs[2 * i]) | (u64::from(limbs[2 * i + 1]) << 32);
    }
    out
}

/// The two fields behind one interface: Montgomery limbs in and out, canonical limbs, the op.
trait TestField: PrimeField<BigInt = BigInt<4>> {
    const NAME: &'static str;
    fn op(op: FieldOp, a: &Limbs, b: &Limbs) -> Limbs;
    fn mont(&self) -> Limbs;
    fn from_mont(limbs: &Limbs) -> Self;
    fn canonical(&self) -> Limbs {
        split(&self.into_bigint().0)
    }
}

impl TestField for Fq {
    const NAME: &'static str = "Fq";
    fn op(op: FieldOp, a: &Limbs, b: &Limbs) -> Limbs {
        checks::fq(op, a, b)
    }
    fn mont(&self) -> Limbs {
        split(&self.0 .0)
    }
    fn from_mont(limbs: &Limbs) -> Self {
        Fq::new_unchecked(BigInt(join(limbs)))
    }
}

impl TestField for Fr {
    const NAME: &'static str = "Fr";
    fn op(op: FieldOp, a: &Limbs, b: &Limbs) -> Limbs {
        checks::fr(op, a, b)
    }
    fn mont(&self) -> Limbs {
        split(&self.0 .0)
    }
    fn from_mont(limbs: &Limbs) -> Self {
        Fr::new_unchecked(BigInt(join(limbs)))
    }
}

/// Edge values: by value (0, 1, 2, −1, −2, 1/2) and by Montgomery limbs (limbs 0, 1, p − 1, p − 2,
/// 2^255-ish halves of p).
fn edges<F: TestField>() -> Vec<F> {
    let two = F::one() + F::one();
    let mut out = vec![F::zero(), F::one(), two, -F::one(), -two, two.inverse().unwrap()];
    let p = F::MODULUS.0;
    let mut p_minus = |k: u64| {
        let mut l = p;
        l[0] -= k; // the low limb of both moduli is far above 2
        out.push(F::from_mont(&split(&l)));
    };
    p_minus(1);
    p_minus(2);
    let mut raw_one = [0u32; 8];
    raw_one[0] = 1;
    out.push(F::from_mont(&raw_one));
    let mut half = p;
    for i in 0..4 {
        half[i] = (p[i] >> 1) | if i < 3 { p[i + 1] << 63 } else { 0 };
    }
    out.push(F::from_mont(&split(&half)));
    out
}

fn check_binary<F: TestField>(a: F, b: F) {
    let (am, bm) = (a.mont(), b.mont());
    let ctx = || format!("{} a = {a}, b = {b}", F::NAME);
    assert_eq!(F::op(FieldOp::Add, &am, &bm), (a + b).mont(), "add: {}", ctx());
    assert_eq!(F::op(FieldOp::Sub, &am, &bm), (a - b).mont(), "sub: {}", ctx());
    assert_eq!(F::op(FieldOp::Mul, &am, &bm), (a * b).mont(), "mul: {}", ctx());
    assert_eq!(F::op(FieldOp::Eq, &am, &bm)[0], u32::from(a == b), "eq: {}", ctx());
}

fn check_unary<F: TestField>(a: F, with_inverse: bool) {
    let am = a.mont();
    let none = [0u32; 8];
    let ctx = || format!("{} a = {a}", F::NAME);
    assert_eq!(F::op(FieldOp::Neg, &am, &none), (-a).mont(), "neg: {}", ctx());
    assert_eq!(F::op(FieldOp::Dbl, &am, &none), a.double().mont(), "dbl: {}", ctx());
    assert_eq!(F::op(FieldOp::Sqr, &am, &none), a.square().mont(), "sqr: {}", ctx());
    assert_eq!(F::op(FieldOp::FromMont, &am, &none), a.canonical(), "from_mont: {}", ctx());
    assert_eq!(F::op(FieldOp::ToMont, &a.canonical(), &none), am, "to_mont: {}", ctx());
    assert_eq!(F::op(FieldOp::IsZero, &am, &none)[0], u32::from(a.is_zero()), "is_zero: {}", ctx());
    // a + a, a − a, a · 1
    assert_eq!(F::op(FieldOp::Add, &am, &am), a.double().mont(), "a + a: {}", ctx());
    assert_eq!(F::op(FieldOp::Sub, &am, &am), none, "a - a: {}", ctx());
    assert_eq!(F::op(FieldOp::Mul, &am, &F::one().mont()), am, "a * 1: {}", ctx());
    if with_inverse {
        let inv = a.inverse().unwrap_or(F::zero());
        assert_eq!(F::op(FieldOp::Inv, &am, &none), inv.mont(), "inv: {}", ctx());
    }
}

fn field_suite<F: TestField>() {
    let none = [0u32; 8];
    assert_eq!(F::op(FieldOp::One, &none, &none), F::one().mont(), "{} one", F::NAME);
    assert_eq!(F::op(FieldOp::Zero, &none, &none), none, "{} zero", F::NAME);
    assert_eq!(F::op(FieldOp::Inv, &none, &none), none, "{}: the inverse of 0 is 0", F::NAME);

    let edges = edges::<F>();
    for &a in &edges {
        check_unary(a, true);
        for &b in &edges {
            check_binary(a, b);
        }
    }
    let mut rng = rng();
    for i in 0..RANDOM {
        let a = F::rand(&mut rng);
        let b = F::rand(&mut rng);
        check_binary(a, b);
        check_binary(a, -a);
        check_unary(a, i % 10 == 0);
        // Inputs near the top: a = −small.
        let small = F::from(i as u64);
        check_binary(-small, a);
    }
}

#[test]
fn fq_matches_arkworks() {
    field_suite::<Fq>();
}

#[test]
fn fr_matches_arkworks() {
    field_suite::<Fr>();
}

#[test]
fn field_ops_check_every_element_of_a_product_chain() {
    // A long dependent chain: errors that only show on some intermediate values accumulate.
    let mut rng = rng();
    let (mut acc_q, step_q) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
    let mut dev_q = acc_q.mont();
    let (mut acc_r, step_r) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let mut dev_r = acc_r.mont();
    for _ in 0..5000 {
        acc_q = acc_q * step_q + step_q;
        dev_q = checks::fq(FieldOp::Add, &checks::fq(FieldOp::Mul, &dev_q, &step_q.mont()), &step_q.mont());
        acc_r = acc_r.square() - step_r;
        dev_r = checks::fr(FieldOp::Sub, &checks::fr(FieldOp::Sqr, &dev_r, &dev_r), &step_r.mont());
    }
    assert_eq!(dev_q, acc_q.mont());
    assert_eq!(dev_r, acc_r.mont());
}

// ---------------------------------------------------------------------------------------------
// G1

fn limbs_of(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}

fn bytes_of(limbs: &[u32]) -> Vec<u8> {
    limbs.iter().flat_map(|l| l.to_le_bytes()).collect()
}

fn affine(p: &G1Affine) -> Affine {
    limbs_of(&layout::g1_affine_to_bytes(&[*p])).try_into().unwrap()
}

/// `p` as XYZZ with the representative scaled by λ: (x·λ², y·λ³, λ², λ³).
fn xyzz(p: &G1Affine, lambda: Fq) -> Xyzz {
    if p.is_zero() {
        return checks::g1_identity();
    }
    let l2 = lambda.square();
    let l3 = l2 * lambda;
    let mut out = [0u32; 32];
    for (i, v) in [p.x * l2, p.y * l3, l2, l3].iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&v.mont());
    }
    out
}

fn value(p: &Xyzz) -> G1Projective {
    layout::g1_from_xyzz_bytes(&bytes_of(p))
}

/// Checks `got` represents `want` and is a well-formed XYZZ point (ZZ³ = ZZZ², identity iff
/// ZZ = 0).
fn assert_point(got: &Xyzz, want: G1Projective, what: &str) {
    let zz = Fq::from_mont(&got[16..24].try_into().unwrap());
    let zzz = Fq::from_mont(&got[24..32].try_into().unwrap());
    if want.is_zero() {
        assert!(zz.is_zero(), "{what}: expected the identity (ZZ = 0)");
        assert!(checks::g1_is_identity(got), "{what}: g1_xyzz_is_identity");
        return;
    }
    assert!(!zz.is_zero() && !zzz.is_zero(), "{what}: unexpected identity");
    assert_eq!(zz.square() * zz, zzz.square(), "{what}: ZZ^3 != ZZZ^2");
    let got = value(got);
    assert_eq!(got.into_affine(), want.into_affine(), "{what}");
    assert!(got.into_affine().is_on_curve(), "{what}: not on the curve");
}

fn random_point(rng: &mut ChaCha20Rng) -> G1Affine {
    G1Projective::rand(rng).into_affine()
}

fn nonzero(rng: &mut ChaCha20Rng) -> Fq {
    loop {
        let v = Fq::rand(rng);
        if !v.is_zero() {
            return v;
        }
    }
}

#[test]
fn g1_random_operations_match_arkworks() {
    let mut rng = rng();
    for i in 0..600 {
        let p = random_point(&mut rng);
        let q = random_point(&mut rng);
        let (lp, lq) = (if i % 3 == 0 { Fq::one() } else { nonzero(&mut rng) }, nonzero(&mut rng));
        let (px, qx) = (xyzz(&p, lp), xyzz(&q, lq));
        let (pp, qp): (G1Projective, G1Projective) = (p.into(), q.into());
        assert_eq!(value(&px), pp, "xyzz encoding");
        assert_point(&checks::g1_add(&px, &qx), pp + qp, "add");
        assert_point(&checks::g1_add_affine(&px, &affine(&q)), pp + qp, "add_affine");
        assert_point(&checks::g1_double(&px), pp.double(), "double");
        assert_point(&checks::g1_neg(&px), -pp, "neg");
        assert_point(&checks::g1_from_affine(&affine(&p)), pp, "from_affine");
        assert_point(&checks::g1_affine_double(&affine(&p)), pp.double(), "affine_double");
        assert_eq!(checks::g1_affine_neg(&affine(&p)), affine(&(-p)), "affine_neg");
        // A chain: sum of several points, mixing both additions.
        let sum = checks::g1_add(&checks::g1_add_affine(&checks::g1_double(&px), &affine(&q)), &qx);
        assert_point(&sum, pp.double() + qp + qp, "chain");
    }
}

#[test]
fn g1_equal_and_opposite_operands() {
    let mut rng = rng();
    for _ in 0..200 {
        let p = random_point(&mut rng);
        let pp: G1Projective = p.into();
        let (l1, l2) = (nonzero(&mut rng), nonzero(&mut rng));
        let (a, b) = (xyzz(&p, l1), xyzz(&p, l2));
        // P + P through the general additions (different representatives): the doubling path.
        assert_point(&checks::g1_add(&a, &b), pp.double(), "P + P (add, different Z)");
        assert_point(&checks::g1_add(&a, &a), pp.double(), "P + P (add, same Z)");
        assert_point(&checks::g1_add_affine(&a, &affine(&p)), pp.double(), "P + P (add_affine)");
        assert_point(
            &checks::g1_add_affine(&xyzz(&p, Fq::one()), &affine(&p)),
            pp.double(),
            "P + P (add_affine, Z = 1)",
        );
        // P + (−P) = identity.
        let neg = xyzz(&-p, l2);
        assert_point(&checks::g1_add(&a, &neg), G1Projective::zero(), "P + (-P) (add)");
        assert_point(&checks::g1_add(&a, &checks::g1_neg(&a)), G1Projective::zero(), "P + neg(P) (add)");
        assert_point(&checks::g1_add_affine(&a, &affine(&-p)), G1Projective::zero(), "P + (-P) (add_affine)");
        assert_point(
            &checks::g1_add_affine(&a, &checks::g1_affine_neg(&affine(&p))),
            G1Projective::zero(),
            "P + affine_neg(P)",
        );
        // 2P + P and P + 2P (a Z ≠ 1 operand against an equal-x-free one).
        let two = checks::g1_double(&a);
        assert_point(&checks::g1_add(&two, &b), pp.double() + pp, "2P + P");
        assert_point(&checks::g1_add_affine(&two, &affine(&p)), pp.double() + pp, "2P + P (affine)");
        assert_point(&checks::g1_add(&two, &checks::g1_neg(&two)), G1Projective::zero(), "2P - 2P");
    }
}

#[test]
fn g1_identity_operands() {
    let mut rng = rng();
    let id = checks::g1_identity();
    let zero_affine = [0u32; 16];
    assert!(checks::g1_is_identity(&id));
    assert!(checks::g1_affine_is_identity(&zero_affine));
    assert_point(&id, G1Projective::zero(), "identity()");
    assert_point(&checks::g1_double(&id), G1Projective::zero(), "double(identity)");
    assert_point(&checks::g1_neg(&id), G1Projective::zero(), "neg(identity)");
    assert_point(&checks::g1_add(&id, &id), G1Projective::zero(), "identity + identity");
    assert_point(&checks::g1_add_affine(&id, &zero_affine), G1Projective::zero(), "identity + affine identity");
    assert_point(&checks::g1_from_affine(&zero_affine), G1Projective::zero(), "from_affine(identity)");
    assert_eq!(checks::g1_affine_neg(&zero_affine), zero_affine, "affine_neg(identity)");
    // An identity with junk X, Y (ZZ = ZZZ = 0) is still the identity.
    let mut junk = xyzz(&random_point(&mut rng), nonzero(&mut rng));
    junk[16..].fill(0);
    assert!(checks::g1_is_identity(&junk));
    for _ in 0..100 {
        let p = random_point(&mut rng);
        let pp: G1Projective = p.into();
        let a = xyzz(&p, nonzero(&mut rng));
        assert!(!checks::g1_is_identity(&a));
        assert!(!checks::g1_affine_is_identity(&affine(&p)));
        for zero in [&id, &junk] {
            assert_point(&checks::g1_add(zero, &a), pp, "identity + P");
            assert_point(&checks::g1_add(&a, zero), pp, "P + identity");
            assert_point(&checks::g1_add_affine(zero, &affine(&p)), pp, "identity + affine P");
            assert_point(&checks::g1_double(zero), G1Projective::zero(), "double(identity)");
        }
        assert_point(&checks::g1_add_affine(&a, &zero_affine), pp, "P + affine identity");
    }
}

#[test]
fn g1_generator_multiples() {
    // k·G by repeated mixed addition and by double-and-add, against arkworks.
    let g = G1Affine::generator();
    let ga = affine(&g);
    let mut acc = checks::g1_identity();
    let mut want = G1Projective::zero();
    for k in 1..=300u64 {
        acc = checks::g1_add_affine(&acc, &ga);
        want += g;
        assert_point(&acc, want, &format!("{k}·G by additions"));
    }
    let k = Fr::from(0xdead_beef_cafe_f00du64) * Fr::from(u64::MAX);
    let mut by_bits = checks::g1_identity();
    for bit in k.into_bigint().to_bits_be() {
        by_bits = checks::g1_double(&by_bits);
        if bit {
            by_bits = checks::g1_add_affine(&by_bits, &ga);
        }
    }
    assert_point(&by_bits, g * k, "k·G by double-and-add");
}
