//! Textbook NTT: recursive radix-2 Cooley–Tukey on fresh vectors, with the coset handled by
//! explicit powers. Slow on purpose; tests only.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};

use crate::types::{Coset, NttConfig, NttDirection};

/// In-place NTT of `data` (a power-of-two length, up to 2^28, 2^27 on the odd coset) with the
/// semantics of [`NttConfig`]: forward `y_i = Σ_j a_j (s·ω^i)^j`, inverse its exact inverse,
/// ω = `Fr::get_root_of_unity(n)`, s = 1, 5 or ω_{2n}.
pub fn ntt(data: &mut [Fr], config: NttConfig) {
    let n = data.len();
    assert!(n.is_power_of_two(), "NTT length must be a power of two");
    let omega = Fr::get_root_of_unity(n as u64).expect("n divides 2^28");
    let shift = match config.coset {
        Coset::None => Fr::one(),
        Coset::Generator => Fr::GENERATOR,
        Coset::OddPowersOf2n => Fr::get_root_of_unity(2 * n as u64).expect("2n divides 2^28"),
    };
    match config.direction {
        NttDirection::Forward => {
            multiply_by_powers(data, shift, Fr::one());
            let out = dft(data, omega);
            data.copy_from_slice(&out);
        }
        NttDirection::Inverse => {
            let out = dft(data, omega.inverse().expect("roots are non-zero"));
            data.copy_from_slice(&out);
            let n_inv = Fr::from(n as u64).inverse().expect("n is invertible");
            multiply_by_powers(data, shift.inverse().expect("shifts are non-zero"), n_inv);
        }
    }
}

/// `data[j] *= c · r^j`.
fn multiply_by_powers(data: &mut [Fr], r: Fr, c: Fr) {
    let mut p = c;
    for x in data.iter_mut() {
        *x *= p;
        p *= r;
    }
}

/// `y_k = Σ_j a_j w^{jk}` for w of order `a.len()`: split into even and odd coefficients.
fn dft(a: &[Fr], w: Fr) -> Vec<Fr> {
    let n = a.len();
    if n == 1 {
        return a.to_vec();
    }
    let even: Vec<Fr> = a.iter().step_by(2).copied().collect();
    let odd: Vec<Fr> = a.iter().skip(1).step_by(2).copied().collect();
    let w2 = w.square();
    let (e, o) = (dft(&even, w2), dft(&odd, w2));
    let mut out = vec![Fr::one(); n];
    let mut wk = Fr::one();
    for k in 0..n / 2 {
        let t = wk * o[k];
        out[k] = e[k] + t;
        out[k + n / 2] = e[k] - t;
        wk *= w;
    }
    out
}
