//! Quick timing of the fast CPU NTT against ark-poly's `Radix2EvaluationDomain`, in the same run.
//!
//! `cargo run --release -p zkaccel-backends --example ntt_timing -- [log2 sizes...]`
//! (default: 16 18 20). Prints the best of a few repetitions of forward, inverse and
//! forward-on-coset transforms, and checks that both give the same answer.

use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ark_ff::{FftField, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::cpu::ntt::NttEngine;
use zkaccel_backends::{Coset, NttConfig};

/// One of ark-poly's in-place transforms.
type ArkTransform<'a> = &'a dyn Fn(&mut Vec<Fr>);

fn best(reps: usize, input: &[Fr], mut f: impl FnMut(&mut Vec<Fr>)) -> (Duration, Vec<Fr>) {
    let mut best = Duration::MAX;
    let mut out = Vec::new();
    for _ in 0..reps {
        let mut v = input.to_vec();
        let start = Instant::now();
        f(&mut v);
        best = best.min(start.elapsed());
        out = v;
    }
    (best, out)
}

fn main() {
    let logs: Vec<u32> = std::env::args().skip(1).map(|a| a.parse().expect("log2 sizes")).collect();
    let logs = if logs.is_empty() { vec![16, 18, 20] } else { logs };
    let engine = NttEngine::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    println!("{:>5} {:>10} {:>12} {:>12} {:>8}", "log n", "transform", "ark-poly ms", "zkaccel ms", "speedup");
    for log in logs {
        let n = 1usize << log;
        let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("size within 2^28");
        let coset = domain.get_coset(Fr::GENERATOR).expect("non-zero shift");
        let reps = if log >= 20 { 5 } else { 10 };
        // Warm the engine's caches once (the first call builds twiddles).
        engine.ntt(&mut input.clone(), log, NttConfig::FORWARD);
        engine.ntt(&mut input.clone(), log, NttConfig::forward_on(Coset::Generator));
        let cases: [(&str, NttConfig, ArkTransform); 3] = [
            ("forward", NttConfig::FORWARD, &|v| domain.fft_in_place(v)),
            ("inverse", NttConfig::INVERSE, &|v| domain.ifft_in_place(v)),
            ("coset fwd", NttConfig::forward_on(Coset::Generator), &|v| coset.fft_in_place(v)),
        ];
        for (name, config, ark) in cases {
            let (t_ark, want) = best(reps, &input, |v| ark(v));
            let (t_ours, got) = best(reps, &input, |v| engine.ntt(v, log, config));
            assert!(got == want, "{name} 2^{log}: results differ from ark-poly");
            let ms = |d: Duration| d.as_secs_f64() * 1e3;
            println!(
                "{log:>5} {name:>10} {:>12.2} {:>12.2} {:>7.2}x",
                ms(t_ark),
                ms(t_ours),
                t_ark.as_secs_f64() / t_ours.as_secs_f64()
            );
        }
    }
}
