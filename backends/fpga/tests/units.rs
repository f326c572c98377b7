//! Bit-exact Verilator testbenches of every RTL unit against arkworks and the CPU reference:
//! random vectors plus edge values, one input per cycle, checking each result and that the unit
//! delivered one result per cycle (cycles = n + latency).

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInt, Field, One, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::cpu::reference;
use zkaccel_fpga::sim::units::{Limbs, UnitSim};
use zkaccel_fpga::testing::{report_skip, unit_sim};

const MUL_LAT: u64 = 17;
const MADD_LAT: u64 = 4 * MUL_LAT + 3;
const BFLY_LAT: u64 = MUL_LAT + 1;
const ROUND_LAT: u64 = 4 * MUL_LAT + 2;

fn sim(name: &str) -> Option<UnitSim> {
    match unit_sim() {
        Ok(sim) => Some(sim),
        Err(reason) => {
            report_skip(name, &reason);
            None
        }
    }
}

fn fq_l(v: Fq) -> Limbs {
    v.0 .0
}
fn fr_l(v: Fr) -> Limbs {
    v.0 .0
}
fn fq(l: Limbs) -> Fq {
    Fq::new_unchecked(BigInt(l))
}
fn fr(l: Limbs) -> Fr {
    Fr::new_unchecked(BigInt(l))
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Random Fr values with 0, 1, 2, r−1, r−2 and the Montgomery one's raw limbs mixed in.
fn fr_values(n: usize, seed: u64) -> Vec<Fr> {
    let mut r = rng(seed);
    let edges = [Fr::zero(), Fr::one(), Fr::from(2u64), -Fr::one(), -Fr::from(2u64), fr(BigInt::one().0)];
    (0..n).map(|i| if i < edges.len() { edges[i] } else { Fr::rand(&mut r) }).collect()
}

fn fq_values(n: usize, seed: u64) -> Vec<Fq> {
    let mut r = rng(seed);
    let edges = [Fq::zero(), Fq::one(), -Fq::one(), -Fq::from(2u64), fq(BigInt::one().0)];
    (0..n).map(|i| if i < edges.len() { edges[i] } else { Fq::rand(&mut r) }).collect()
}

#[test]
fn mont_mul_matches_arkworks_one_product_per_cycle() {
    let Some(mut sim) = sim("mont_mul_matches_arkworks_one_product_per_cycle") else { return };
    let n = 300;
    // Operands below r feed both multipliers; every pair of edge values is included.
    let mut a = fr_values(n, 1);
    let mut b = fr_values(n, 2);
    let edges = fr_values(6, 0);
    for (i, (x, y)) in edges.iter().flat_map(|x| edges.iter().map(move |y| (*x, *y))).enumerate() {
        a[100 + i] = x;
        b[100 + i] = y;
    }
    let al: Vec<Limbs> = a.iter().map(|v| fr_l(*v)).collect();
    let bl: Vec<Limbs> = b.iter().map(|v| fr_l(*v)).collect();
    let run = sim.mont_mul(&al, &bl);
    assert_eq!(run.cycles, n as u64 + MUL_LAT, "one product per cycle after {MUL_LAT} cycles of latency");
    let (out_q, out_r) = run.out;
    for i in 0..n {
        assert_eq!(fr(out_r[i]), a[i] * b[i], "Fr product {i}");
        let (x, y) = (fq(al[i]), fq(bl[i]));
        assert_eq!(out_q[i], fq_l(x * y), "Fq product {i}");
    }
    // Operands up to q−1 on the Fq multiplier alone.
    let (a, b) = (fq_values(200, 3), fq_values(200, 4));
    let al: Vec<Limbs> = a.iter().map(|v| fq_l(*v)).collect();
    let bl: Vec<Limbs> = b.iter().rev().map(|v| fq_l(*v)).collect();
    let run = sim.mont_mul(&al, &bl);
    for i in 0..200 {
        assert_eq!(run.out.0[i], fq_l(a[i] * b[199 - i]), "Fq product {i} (operands up to q-1)");
    }
}

#[test]
fn mod_add_sub_match_arkworks() {
    let Some(mut sim) = sim("mod_add_sub_match_arkworks") else { return };
    let n = 256;
    let a = fr_values(n, 5);
    let b: Vec<Fr> = fr_values(n, 6).into_iter().rev().collect();
    let al: Vec<Limbs> = a.iter().map(|v| fr_l(*v)).collect();
    let bl: Vec<Limbs> = b.iter().map(|v| fr_l(*v)).collect();
    for sub in [false, true] {
        let run = sim.add_sub(sub, &al, &bl);
        assert_eq!(run.cycles, n as u64 + 1, "one result per cycle, latency 1");
        for i in 0..n {
            let (want_r, want_q) =
                if sub { (a[i] - b[i], fq(al[i]) - fq(bl[i])) } else { (a[i] + b[i], fq(al[i]) + fq(bl[i])) };
            assert_eq!(fr(run.out.1[i]), want_r, "Fr {} {i}", if sub { "sub" } else { "add" });
            assert_eq!(run.out.0[i], fq_l(want_q), "Fq {} {i}", if sub { "sub" } else { "add" });
        }
    }
}

type Xyzz = [Fq; 4];

/// madd-2008-s with the RTL's case analysis: the bit-exact model of g1_madd. The second value
/// says the addition was a doubling, which the adder leaves to its caller (bucket unchanged).
fn madd_model(b: Xyzz, x2: Fq, y2: Fq, p_inf: bool) -> (Xyzz, bool) {
    let [x1, y1, zz1, zzz1] = b;
    if p_inf {
        return (b, false);
    }
    if zz1.is_zero() {
        return ([x2, y2, Fq::one(), Fq::one()], false);
    }
    let (p, r) = (x2 * zz1 - x1, y2 * zzz1 - y1);
    if p.is_zero() {
        return if r.is_zero() { (b, true) } else { ([Fq::zero(); 4], false) };
    }
    let pp = p.square();
    let ppp = p * pp;
    let q = x1 * pp;
    let x3 = r.square() - ppp - q.double();
    ([x3, r * (q - x3) - y1 * ppp, zz1 * pp, zzz1 * ppp], false)
}

fn to_xyzz(p: G1Projective, z: Fq) -> Xyzz {
    if p.is_zero() {
        return [Fq::zero(); 4];
    }
    let a = p.into_affine();
    let (zz, zzz) = (z.square(), z.square() * z);
    [a.x * zz, a.y * zzz, zz, zzz]
}

fn fq_point(p: [Limbs; 2]) -> G1Projective {
    G1Affine::new(fq(p[0]), fq(p[1])).into()
}

fn from_xyzz(b: Xyzz) -> G1Projective {
    if b[2].is_zero() {
        return G1Projective::zero();
    }
    let x = b[0] / b[2];
    let y = b[1] / b[3];
    G1Affine::new(x, y).into()
}

#[test]
fn g1_madd_matches_model_and_arkworks_including_identity_and_doubling() {
    let Some(mut sim) = sim("g1_madd_matches_model_and_arkworks_including_identity_and_doubling") else { return };
    let mut r = rng(7);
    let g = G1Affine::generator();
    let mut buckets = Vec::new();
    let mut points = Vec::new();
    let mut infs = Vec::new();
    let mut case = |bucket: G1Projective, z: Fq, point: G1Affine, inf: bool| {
        buckets.push(to_xyzz(bucket, z));
        points.push(point);
        infs.push(inf);
    };
    for i in 0..400 {
        let p = (g * Fr::rand(&mut r)).into_affine();
        let b = g * Fr::rand(&mut r);
        let z = Fq::rand(&mut r);
        match i % 8 {
            0 => case(G1Projective::zero(), z, p, false), // empty bucket
            1 => case(p.into(), z, p, false),             // doubling
            2 => case((-p).into(), z, p, false),          // P + (−P)
            3 => case(b, z, p, true),                     // the identity point
            4 => case(p.into(), Fq::one(), p, false),     // doubling, Z = 1
            _ => case(b, z, p, false),                    // generic
        }
    }
    let bl: Vec<[Limbs; 4]> = buckets.iter().map(|b| b.map(fq_l)).collect();
    let pl: Vec<[Limbs; 2]> = points.iter().map(|p| [fq_l(p.x), fq_l(p.y)]).collect();
    let run = sim.g1_madd(&bl, &pl, &infs);
    let n = buckets.len() as u64;
    assert_eq!(run.cycles, n + MADD_LAT, "one addition per cycle after {MADD_LAT} cycles, tags in order");
    let mut doublings = 0;
    for i in 0..buckets.len() {
        let out = run.out[i];
        let got = out.xyzz.map(fq);
        let (want, doubling) = madd_model(buckets[i], points[i].x, points[i].y, infs[i]);
        assert_eq!(got, want, "addition {i} (case {}) differs bit for bit from the formulas", i % 8);
        assert_eq!(out.doubling, doubling, "addition {i} (case {}): doubling flag", i % 8);
        assert_eq!(out.point, [fq_l(points[i].x), fq_l(points[i].y)], "addition {i}: the point passed on");
        let sum = if infs[i] { from_xyzz(buckets[i]) } else { from_xyzz(buckets[i]) + points[i] };
        // A doubling is flagged and left out; the caller adds the point it gets back.
        let completed = if doubling { from_xyzz(got) + fq_point(out.point) } else { from_xyzz(got) };
        assert_eq!(completed, sum, "addition {i} (case {}) is not the group sum", i % 8);
        doublings += usize::from(doubling);
    }
    assert_eq!(doublings, 100, "cases 1 and 4 (one in four) are the doublings");
}

#[test]
fn ntt_butterfly_matches_arkworks() {
    let Some(mut sim) = sim("ntt_butterfly_matches_arkworks") else { return };
    let n = 256;
    let (a, b, w) = (fr_values(n, 8), fr_values(n, 9), fr_values(n, 10));
    let l = |v: &[Fr]| v.iter().map(|x| fr_l(*x)).collect::<Vec<_>>();
    let run = sim.butterfly(&l(&a), &l(&b), &l(&w));
    assert_eq!(run.cycles, n as u64 + BFLY_LAT, "one butterfly per cycle");
    for i in 0..n {
        assert_eq!(fr(run.out.0[i]), a[i] + w[i] * b[i], "a + w·b at {i}");
        assert_eq!(fr(run.out.1[i]), a[i] - w[i] * b[i], "a − w·b at {i}");
    }
}

#[test]
fn poseidon_core_matches_reference_at_one_round_per_cycle() {
    let Some(mut sim) = sim("poseidon_core_matches_reference_at_one_round_per_cycle") else { return };
    let n = 2 * ROUND_LAT as usize; // two full loads of the round pipeline
    let ins = fr_values(2 * n, 11);
    let messages: Vec<[Limbs; 2]> = ins.chunks(2).map(|m| [fr_l(m[0]), fr_l(m[1])]).collect();
    let run = sim.poseidon(&messages);
    for (i, m) in ins.chunks(2).enumerate() {
        assert_eq!(fr(run.out[i]), reference::poseidon::hash(m), "Poseidon of message {i}");
    }
    // 65 rounds for each group of ROUND_LAT hashes in flight, plus filling.
    let bound = 65 * ROUND_LAT * (n as u64).div_ceil(ROUND_LAT) + ROUND_LAT + 2;
    assert!(run.cycles > 0 && run.cycles <= bound, "{} cycles for {n} hashes, expected at most {bound}", run.cycles);
    let known = sim.poseidon(&[[fr_l(Fr::from(1u64)), fr_l(Fr::from(2u64))]]);
    let expected =
        zkaccel_backends::field_input::fr_from_str(zkaccel_backends::conformance::poseidon::KNOWN_ANSWERS[0].1);
    assert_eq!(Ok(fr(known.out[0])), expected, "Poseidon([1, 2]) from circomlibjs");
}
