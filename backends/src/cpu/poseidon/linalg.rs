//! Small dense linear algebra over Fr for the one-time precomputation of the optimized form.
//! Plain and allocation-happy: it runs once per width, never in the hot loop.

use ark_bn254::Fr;
use ark_ff::{Field, PrimeField, Zero};
use num_bigint::BigUint;

/// `Σ a_i · b_i`.
pub(super) fn dot(a: &[Fr], b: &[Fr]) -> Fr {
    a.iter().zip(b).map(|(x, y)| *x * y).sum()
}

/// Row-major n×n product `a · b`.
pub(super) fn mat_mul(a: &[Fr], b: &[Fr], n: usize) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); n * n];
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = (0..n).map(|k| a[i * n + k] * b[k * n + j]).sum();
        }
    }
    out
}

/// Solves `m · x = y` for a row-major n×n `m` by Gauss–Jordan elimination.
///
/// # Panics
/// If `m` is singular (not the case for circomlib's Cauchy MDS matrices).
pub(super) fn solve(mut m: Vec<Fr>, mut y: Vec<Fr>) -> Vec<Fr> {
    let n = y.len();
    for col in 0..n {
        let pivot = (col..n).find(|&r| !m[r * n + col].is_zero()).expect("Poseidon: singular MDS submatrix");
        if pivot != col {
            for k in 0..n {
                m.swap(pivot * n + k, col * n + k);
            }
            y.swap(pivot, col);
        }
        let inv = m[col * n + col].inverse().expect("nonzero pivot");
        for k in 0..n {
            m[col * n + k] *= inv;
        }
        y[col] *= inv;
        for r in (0..n).filter(|&r| r != col) {
            let f = m[r * n + col];
            if !f.is_zero() {
                for k in 0..n {
                    let v = m[col * n + k];
                    m[r * n + k] -= f * v;
                }
                let v = y[col];
                y[r] -= f * v;
            }
        }
    }
    y
}

/// The unique `x` with `x⁵ = v`: `v^e` with `e = 5⁻¹ mod (r − 1)` (gcd(5, r − 1) = 1 makes x⁵ a
/// permutation of Fr, which is why Poseidon may use it as its S-box).
///
/// # Panics
/// If the result does not check out (it always does for BN254 Fr).
pub(super) fn fifth_root(v: Fr) -> Fr {
    let order = BigUint::from(Fr::MODULUS) - 1u32;
    let k = (1u32..5).find(|k| (&order * *k + 1u32) % 5u32 == BigUint::zero()).expect("gcd(5, r - 1) = 1");
    let e = (&order * k + 1u32) / 5u32;
    let x = v.pow(e.to_u64_digits());
    assert_eq!(x.pow([5u64]), v, "fifth root");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn poseidon_linalg_solve_inverts() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let n = 5;
        let m: Vec<Fr> = (0..n * n).map(|_| Fr::rand(&mut rng)).collect();
        let y: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let x = solve(m.clone(), y.clone());
        let back: Vec<Fr> = (0..n).map(|i| dot(&m[i * n..(i + 1) * n], &x)).collect();
        assert_eq!(back, y);
    }

    #[test]
    fn poseidon_linalg_fifth_root() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for _ in 0..4 {
            let x = Fr::rand(&mut rng);
            assert_eq!(fifth_root(x.pow([5u64])), x);
        }
        assert_eq!(fifth_root(Fr::zero()), Fr::zero());
    }
}
