//! Deterministic benchmark inputs: the same seed gives the same inputs on every machine and
//! for every thread count, so results (and any mismatch) can be reproduced.
//!
//! Inputs are generated in fixed chunks of [`CHUNK`] elements, each from its own ChaCha
//! stream, so generation runs in parallel without depending on how rayon splits the work.
//! Curve points are fast to make: each chunk starts at a random multiple of the generator and
//! walks by a random step (one mixed addition per point), then the chunk is batch-normalised
//! to affine with a single inversion. The points are uniformly spread over the group from one
//! chunk to the next; within a chunk they form an arithmetic progression, which no MSM
//! algorithm can exploit (it never sees the discrete logs).

use ark_bn254::{g1, g2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_std::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::op::BenchOp;

/// Elements generated from one random stream.
pub const CHUNK: usize = 1024;

/// Poseidon arity (inputs per hash) used by the benchmarks: 2, as in Merkle trees (t = 3).
pub const POSEIDON_ARITY: usize = 2;

/// Stream tags, so different inputs from the same seed are independent.
mod tag {
    pub const SCALARS: u64 = 1;
    pub const G1: u64 = 2;
    pub const G2: u64 = 3;
    pub const NTT: u64 = 4;
    pub const POSEIDON: u64 = 5;
    pub const MERKLE: u64 = 6;
    pub const SAMPLES: u64 = 7;
    pub const KEY_SCALARS: u64 = 8;
    pub const KEY_IDENTITY: u64 = 9;
}

/// A random generator for chunk `chunk` of the input tagged `tag`, derived from `seed`.
pub fn rng_for(seed: u64, tag: u64, chunk: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ tag.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.set_stream(chunk);
    rng
}

fn field_elements(n: usize, seed: u64, tag: u64) -> Vec<Fr> {
    let mut out = vec![Fr::from(0u64); n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(i, chunk)| {
        let mut rng = rng_for(seed, tag, i as u64);
        chunk.iter_mut().for_each(|x| *x = Fr::rand(&mut rng));
    });
    out
}

fn points<P: SWCurveConfig<ScalarField = Fr>>(n: usize, seed: u64, tag: u64) -> Vec<Affine<P>> {
    let mut out = vec![Affine::<P>::zero(); n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(i, chunk)| {
        let mut rng = rng_for(seed, tag, i as u64);
        let g = Affine::<P>::generator();
        let mut acc: Projective<P> = g * Fr::rand(&mut rng);
        let step: Affine<P> = (g * Fr::rand(&mut rng)).into_affine();
        let projective: Vec<Projective<P>> = (0..chunk.len())
            .map(|_| {
                let p = acc;
                acc += step;
                p
            })
            .collect();
        chunk.copy_from_slice(&Projective::normalize_batch(&projective));
    });
    out
}

/// `n` uniformly random scalars.
pub fn scalars(n: usize, seed: u64) -> Vec<Fr> {
    field_elements(n, seed, tag::SCALARS)
}

/// Percentages of the key-like scalar distribution of [`key_like_msm`], in order: zero, one,
/// small (below 2^16), minus one (full-size, as `p - 1`), and the rest uniformly random.
pub const KEY_SCALAR_MIX: [(&str, u32); 5] = [("0", 35), ("1", 25), ("small", 15), ("-1", 5), ("random", 20)];
/// One base in this many is the identity in [`key_like_msm`].
pub const KEY_IDENTITY_ONE_IN: u32 = 16;

/// MSM inputs shaped like a Groth16 prover's, for `msm-key`: a circom witness is mostly
/// 0s and 1s (bits, flags, selectors) with some small integers, some `-1`s and a minority of
/// full-size values (hash states, products), and a proving key's query has identity points
/// for wires that do not occur in it. The scalars follow [`KEY_SCALAR_MIX`] and one base in
/// [`KEY_IDENTITY_ONE_IN`] is the identity; everything is drawn from `seed` chunk by chunk,
/// like the other inputs. MSM algorithms that skip zeros, handle ones cheaply or treat the
/// identity specially show it here and not with uniform scalars.
pub fn key_like_msm(n: usize, seed: u64) -> (Vec<G1Affine>, Vec<Fr>) {
    use rand::Rng;
    let mut bases = g1_points(n, seed);
    bases.par_chunks_mut(CHUNK).enumerate().for_each(|(i, chunk)| {
        let mut rng = rng_for(seed, tag::KEY_IDENTITY, i as u64);
        chunk.iter_mut().for_each(|p| {
            if rng.gen_range(0..KEY_IDENTITY_ONE_IN) == 0 {
                *p = G1Affine::zero();
            }
        });
    });
    let mut scalars = vec![Fr::from(0u64); n];
    scalars.par_chunks_mut(CHUNK).enumerate().for_each(|(i, chunk)| {
        let mut rng = rng_for(seed, tag::KEY_SCALARS, i as u64);
        chunk.iter_mut().for_each(|x| {
            let mut pick = rng.gen_range(0..100u32);
            let kind = KEY_SCALAR_MIX.iter().find(|(_, pct)| {
                let hit = pick < *pct;
                pick = pick.saturating_sub(*pct);
                hit
            });
            *x = match kind.map(|(name, _)| *name) {
                Some("0") => Fr::from(0u64),
                Some("1") => Fr::from(1u64),
                Some("small") => Fr::from(rng.gen_range(2..1u64 << 16)),
                Some("-1") => -Fr::from(1u64),
                _ => Fr::rand(&mut rng),
            };
        });
    });
    (bases, scalars)
}

/// `n` random G1 points (see the module docs for how they are made).
pub fn g1_points(n: usize, seed: u64) -> Vec<G1Affine> {
    points::<g1::Config>(n, seed, tag::G1)
}

/// `n` random G2 points.
pub fn g2_points(n: usize, seed: u64) -> Vec<G2Affine> {
    points::<g2::Config>(n, seed, tag::G2)
}

/// The coefficients of a random polynomial of degree < `n`, input to an NTT.
pub fn ntt_input(n: usize, seed: u64) -> Vec<Fr> {
    field_elements(n, seed, tag::NTT)
}

/// `count` random messages of `arity` elements each, laid out one after the other.
pub fn poseidon_messages(count: usize, arity: usize, seed: u64) -> Vec<Fr> {
    field_elements(count * arity, seed, tag::POSEIDON)
}

/// `n` random Merkle leaves.
pub fn merkle_leaves(n: usize, seed: u64) -> Vec<Fr> {
    field_elements(n, seed, tag::MERKLE)
}

/// `count` distinct indices below `n` to spot-check: always the first and last, then seeded
/// random ones. Returns every index when `n <= count`.
pub fn sample_indices(n: usize, count: usize, seed: u64) -> Vec<usize> {
    use rand::Rng;
    if n <= count {
        return (0..n).collect();
    }
    let mut rng = rng_for(seed, tag::SAMPLES, n as u64);
    let mut picked = vec![0, n - 1];
    while picked.len() < count {
        let i = rng.gen_range(0..n);
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked
}

/// The inputs of one benchmark case, generated once and shared by every backend and the baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// G1 MSM bases and scalars.
    Msm {
        /// Bases.
        bases: Vec<G1Affine>,
        /// Scalars, one per base.
        scalars: Vec<Fr>,
    },
    /// G2 MSM bases and scalars.
    MsmG2 {
        /// Bases.
        bases: Vec<G2Affine>,
        /// Scalars, one per base.
        scalars: Vec<Fr>,
    },
    /// Coefficients for a forward NTT.
    Ntt {
        /// Polynomial coefficients, natural order.
        coeffs: Vec<Fr>,
    },
    /// Poseidon messages of [`POSEIDON_ARITY`] elements.
    Poseidon {
        /// Consecutive messages.
        inputs: Vec<Fr>,
    },
    /// Merkle tree leaves.
    Merkle {
        /// The leaves (a power of two).
        leaves: Vec<Fr>,
    },
}

impl Workload {
    /// The inputs of `op` at size 2^`log_n` (points, elements, hashes or leaves) from `seed`.
    pub fn generate(op: BenchOp, log_n: u32, seed: u64) -> Workload {
        let n = 1usize << log_n;
        match op {
            BenchOp::Msm => Workload::Msm { bases: g1_points(n, seed), scalars: scalars(n, seed) },
            BenchOp::MsmKey => {
                let (bases, scalars) = key_like_msm(n, seed);
                Workload::Msm { bases, scalars }
            }
            BenchOp::MsmG2 => Workload::MsmG2 { bases: g2_points(n, seed), scalars: scalars(n, seed) },
            BenchOp::Ntt => Workload::Ntt { coeffs: ntt_input(n, seed) },
            BenchOp::Poseidon => Workload::Poseidon { inputs: poseidon_messages(n, POSEIDON_ARITY, seed) },
            BenchOp::Merkle => Workload::Merkle { leaves: merkle_leaves(n, seed) },
            BenchOp::Groth16 | BenchOp::MsmWitness => {
                panic!("{op} inputs are circuit files: see bench::groth16 and bench::witness_msm")
            }
        }
    }

    /// Bytes of the inputs as the caller holds them (arkworks types in memory).
    pub fn input_bytes(&self) -> u64 {
        use std::mem::size_of;
        let bytes = match self {
            Workload::Msm { bases, scalars } => bases.len() * size_of::<G1Affine>() + scalars.len() * size_of::<Fr>(),
            Workload::MsmG2 { bases, scalars } => bases.len() * size_of::<G2Affine>() + scalars.len() * size_of::<Fr>(),
            Workload::Ntt { coeffs } => coeffs.len() * size_of::<Fr>(),
            Workload::Poseidon { inputs } => inputs.len() * size_of::<Fr>(),
            Workload::Merkle { leaves } => leaves.len() * size_of::<Fr>(),
        };
        bytes as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_inputs_different_seed_different_inputs() {
        let a = Workload::generate(BenchOp::Msm, 11, 7);
        assert_eq!(a, Workload::generate(BenchOp::Msm, 11, 7));
        assert_ne!(a, Workload::generate(BenchOp::Msm, 11, 8));
        assert_ne!(ntt_input(16, 1), poseidon_messages(8, 2, 1), "streams are independent");
    }

    #[test]
    fn points_are_on_the_curve_and_distinct() {
        let points = g1_points(2 * CHUNK + 5, 3);
        assert_eq!(points.len(), 2 * CHUNK + 5);
        assert!(points.iter().all(|p| p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()));
        let mut xs: Vec<_> = points.iter().map(|p| p.x).collect();
        xs.sort();
        xs.dedup();
        assert_eq!(xs.len(), points.len());
        assert!(g2_points(3, 3).iter().all(|p| p.is_on_curve() && !p.is_zero()));
    }

    #[test]
    fn key_like_inputs_follow_the_documented_mix() {
        let n = 8 * CHUNK;
        let (bases, scalars) = key_like_msm(n, 11);
        assert_eq!((bases.len(), scalars.len()), (n, n));
        let share = |f: &dyn Fn(&Fr) -> bool| scalars.iter().filter(|x| f(x)).count() as f64 / n as f64;
        let near = |got: f64, pct: u32| (got - pct as f64 / 100.0).abs() < 0.03;
        assert!(near(share(&|x| *x == Fr::from(0u64)), 35));
        assert!(near(share(&|x| *x == Fr::from(1u64)), 25));
        assert!(near(share(&|x| *x == -Fr::from(1u64)), 5));
        let identities = bases.iter().filter(|p| p.is_zero()).count() as f64 / n as f64;
        assert!((identities - 1.0 / KEY_IDENTITY_ONE_IN as f64).abs() < 0.02);
        assert_eq!(Workload::generate(BenchOp::MsmKey, 10, 11), Workload::generate(BenchOp::MsmKey, 10, 11));
    }

    #[test]
    fn sample_indices_are_distinct_and_in_range() {
        let s = sample_indices(1000, 10, 5);
        assert_eq!(s.len(), 10);
        assert!(s.contains(&0) && s.contains(&999) && s.iter().all(|&i| i < 1000));
        let mut d = s.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), 10);
        assert_eq!(sample_indices(4, 10, 5), vec![0, 1, 2, 3]);
    }
}
