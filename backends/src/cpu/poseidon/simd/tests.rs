//! The IFMA field arithmetic against arkworks, and the IFMA Poseidon against the scalar `hash`.
//! Without avx512ifma each test prints `SKIPPED <test>: CPU lacks avx512ifma` and returns.

use std::io::Write;

use ark_bn254::Fr;
use ark_ff::{Field, One, UniformRand, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::field52::{mont_limbs, plain_limbs, r_squared, Fe8, Limbs, Wide, LANES};
use super::{available, hash_batch, hash_groups};
use crate::cpu::poseidon::hash;

/// Whether the IFMA tests can run here; prints the skip line otherwise.
fn ifma(test: &str) -> bool {
    if !available() {
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: CPU lacks avx512ifma");
    }
    available()
}

/// 0, 1, r − 1, r − 2, 2^253 and elements whose canonical integers are just below r and 2^254.
fn edge_values() -> Vec<Fr> {
    let two = Fr::from(2u64);
    vec![Fr::zero(), Fr::one(), -Fr::one(), -two, two.pow([253]), -Fr::from(12345u64), two.pow([253]) + two.pow([252])]
}

fn random_values(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

/// R⁻¹: a lane holding integer X represents X·R⁻¹.
fn r_inv() -> Fr {
    Fr::from(2u64).pow([260]).inverse().expect("non-zero")
}

/// The residue of an integer given as radix-2^52 limbs (any limb sizes).
fn limbs_value(l: &Limbs) -> Fr {
    l.iter().enumerate().map(|(j, &x)| Fr::from(x) * Fr::from(2u64).pow([52 * j as u64])).sum()
}

/// `X < 2^bits` for each lane's normalized limbs.
fn below(l: &Limbs, bits: u32) -> bool {
    l.iter().all(|&x| x < 1 << 52) && l[4] < 1u64 << (bits - 208)
}

/// A random integer below 2^257 as normalized limbs, sometimes the largest one.
fn random_redundant(rng: &mut ChaCha8Rng) -> Limbs {
    if rng.gen_ratio(1, 8) {
        return [(1 << 52) - 1, (1 << 52) - 1, (1 << 52) - 1, (1 << 52) - 1, (1 << 49) - 1];
    }
    [0, 1, 2, 3, 4].map(|j| rng.gen::<u64>() >> if j == 4 { 15 } else { 12 })
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn load(v: &[Fr]) -> Fe8 {
    let lanes: [Limbs; LANES] = core::array::from_fn(|l| plain_limbs(&v[l]));
    let mut w = Wide::zero();
    w.mul_acc_const(&Fe8::from_limbs(&lanes), &r_squared());
    w.reduce()
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn mul(a: &Fe8, b: &Fe8) -> Fe8 {
    let mut w = Wide::zero();
    w.mul_acc(a, b);
    w.reduce()
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn arithmetic_matches_arkworks() {
    let mut values = edge_values();
    values.extend(random_values(64, 1));
    values.extend(edge_values().iter().rev());
    for (i, a) in values.chunks_exact(LANES).enumerate() {
        let b: Vec<Fr> = (0..LANES).map(|l| values[(i * 3 + l * 5 + 1) % values.len()]).collect();
        let (va, vb) = (load(a), load(&b));
        assert_eq!(va.to_fr().to_vec(), a, "round trip");
        let prod: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
        assert_eq!(mul(&va, &vb).to_fr().to_vec(), prod, "product");
        let sq: Vec<Fr> = a.iter().map(|x| x.square()).collect();
        assert_eq!(Wide::square(&va).reduce().to_fr().to_vec(), sq, "square");
        let sum: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
        assert_eq!(va.add(&vb).to_fr().to_vec(), sum, "sum");
        assert_eq!(va.add(&vb).shrink().to_fr().to_vec(), sum, "shrunk sum");
        // Constants, plain and Montgomery, and the addend c·R.
        let c = b[3];
        let mut w = Wide::zero();
        w.mul_acc_const(&va, &mont_limbs(&c));
        w.add_high_const(&mont_limbs(&b[0]));
        let expected: Vec<Fr> = a.iter().map(|x| *x * c + b[0]).collect();
        assert_eq!(w.reduce().to_fr().to_vec(), expected, "constant product plus addend");
        let mut w = Wide::zero();
        w.mul_acc_const(&va, &plain_limbs(&c));
        let expected: Vec<Fr> = a.iter().map(|x| *x * c).collect();
        assert_eq!(w.reduce().plain_to_fr().to_vec(), expected, "plain constant leaves the Montgomery form");
    }
}

#[test]
fn poseidon_simd_field_arithmetic_matches_arkworks() {
    if ifma("poseidon_simd_field_arithmetic_matches_arkworks") {
        // SAFETY: `ifma` checked that the CPU supports avx512f and avx512ifma.
        unsafe { arithmetic_matches_arkworks() }
    }
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn chained_products() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut x: Vec<Fr> = edge_values().into_iter().chain(random_values(1, 3)).collect();
    x[0] = Fr::from(3u64); // keep one lane from sticking at 0
    let mut v = load(&x);
    for step in 0..1000 {
        let y = random_values(LANES, 100 + step);
        if step % 3 == 0 {
            v = Wide::square(&v).reduce();
            x.iter_mut().for_each(|e| *e = e.square());
        } else {
            v = mul(&v, &load(&y));
            x.iter_mut().zip(&y).for_each(|(e, f)| *e *= f);
        }
        if rng.gen_ratio(1, 10) {
            assert_eq!(v.to_fr().to_vec(), x, "step {step}");
        }
    }
    assert_eq!(v.to_fr().to_vec(), x);
}

#[test]
fn poseidon_simd_field_1000_chained_products() {
    if ifma("poseidon_simd_field_1000_chained_products") {
        // SAFETY: `ifma` checked that the CPU supports avx512f and avx512ifma.
        unsafe { chained_products() }
    }
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn redundant_inputs_at_the_bounds() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let consts: Vec<Fr> = random_values(17, 5).into_iter().chain([-Fr::one()]).collect();
    for _ in 0..200 {
        let a: [Limbs; LANES] = core::array::from_fn(|_| random_redundant(&mut rng));
        let b: [Limbs; LANES] = core::array::from_fn(|_| random_redundant(&mut rng));
        let (va, vb) = (Fe8::from_limbs(&a), Fe8::from_limbs(&b));
        // Products of factors below 2^257 land below 2^255, with the right residue.
        for (l, out) in mul(&va, &vb).to_limbs().iter().enumerate() {
            assert!(below(out, 255));
            assert_eq!(limbs_value(out), limbs_value(&a[l]) * limbs_value(&b[l]) * r_inv());
        }
        for (l, out) in Wide::square(&va).reduce().to_limbs().iter().enumerate() {
            assert!(below(out, 255));
            assert_eq!(limbs_value(out), limbs_value(&a[l]).square() * r_inv());
        }
        // Shrinking keeps the residue and lands below 2^256.
        for (l, out) in va.shrink().to_limbs().iter().enumerate() {
            assert!(below(out, 256));
            assert_eq!(limbs_value(out), limbs_value(&a[l]));
        }
        // A 17-term dot product with constants up to r − 1, plus an addend r − 1, below 2^256.
        let mut w = Wide::zero();
        for (k, c) in consts[1..].iter().enumerate() {
            w.mul_acc_const(if k % 2 == 0 { &va } else { &vb }, &mont_limbs(c));
        }
        w.add_high_const(&mont_limbs(&consts[17]));
        for (l, out) in w.reduce().to_limbs().iter().enumerate() {
            assert!(below(out, 256));
            let expected: Fr = consts[1..]
                .iter()
                .enumerate()
                .map(|(k, c)| *c * limbs_value(if k % 2 == 0 { &a[l] } else { &b[l] }))
                .sum::<Fr>()
                + limbs_value(&mont_limbs(&consts[17]));
            assert_eq!(limbs_value(out), expected);
        }
    }
}

#[test]
fn poseidon_simd_field_redundant_inputs_at_the_bounds() {
    if ifma("poseidon_simd_field_redundant_inputs_at_the_bounds") {
        // SAFETY: `ifma` checked that the CPU supports avx512f and avx512ifma.
        unsafe { redundant_inputs_at_the_bounds() }
    }
}

/// Messages of `T − 1` inputs: random ones, with all-zero, all-(r − 1) and mixed edge messages
/// spread through the batch.
fn messages(t: usize, n: usize, seed: u64) -> Vec<Fr> {
    let mut inputs = random_values(n * (t - 1), seed);
    let edges = edge_values();
    for (k, m) in inputs.chunks_exact_mut(t - 1).enumerate() {
        match k % 5 {
            0 => m.fill(Fr::zero()),
            1 => m.fill(-Fr::one()),
            2 => m.iter_mut().enumerate().for_each(|(i, e)| *e = edges[(i + k) % edges.len()]),
            _ => {}
        }
    }
    inputs
}

/// The IFMA batch for width `T` against the scalar `hash`, for batches of `sizes` messages.
fn check_width<const T: usize>(sizes: &[usize]) {
    for &n in sizes {
        let inputs = messages(T, n, 1000 * T as u64 + n as u64);
        let expected: Vec<Fr> = inputs.chunks_exact(T - 1).map(hash).collect();
        assert_eq!(hash_batch::<T>(&inputs), Some(expected.clone()), "t={T}, {n} messages");
        let whole = n / LANES * LANES;
        let mut out = vec![Fr::zero(); whole];
        assert!(hash_groups::<T>(&inputs[..whole * (T - 1)], &mut out));
        assert_eq!(out, expected[..whole], "t={T}, {whole} messages in groups");
    }
}

#[test]
fn poseidon_simd_equals_scalar_every_arity() {
    if !ifma("poseidon_simd_equals_scalar_every_arity") {
        return;
    }
    let sizes = [0, 1, 7, 8, 9, 17, 40];
    check_width::<2>(&sizes);
    check_width::<3>(&sizes);
    check_width::<4>(&sizes);
    check_width::<5>(&sizes);
    check_width::<6>(&sizes);
    check_width::<7>(&sizes);
    check_width::<8>(&sizes);
    check_width::<9>(&sizes);
    check_width::<10>(&sizes);
    check_width::<11>(&sizes);
    check_width::<12>(&sizes);
    check_width::<13>(&sizes);
    check_width::<14>(&sizes);
    check_width::<15>(&sizes);
    check_width::<16>(&sizes);
    check_width::<17>(&sizes);
}

#[test]
fn poseidon_simd_equals_scalar_1000_messages() {
    if !ifma("poseidon_simd_equals_scalar_1000_messages") {
        return;
    }
    check_width::<2>(&[1000]);
    check_width::<3>(&[1000]);
    check_width::<5>(&[1000]);
    check_width::<17>(&[1000]);
}

#[test]
fn poseidon_simd_hash_batch_uses_the_simd_path() {
    if !ifma("poseidon_simd_hash_batch_uses_the_simd_path") {
        return;
    }
    // The public entry point, through the hook in `poseidon::batch_t`.
    let inputs = messages(3, 33, 9);
    let expected: Vec<Fr> = inputs.chunks_exact(2).map(hash).collect();
    assert_eq!(crate::cpu::poseidon::hash_batch(&inputs, 2), expected);
    assert_eq!(hash_batch::<3>(&inputs), Some(expected));
}
