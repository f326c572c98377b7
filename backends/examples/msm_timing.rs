//! Quick timing of the fast CPU MSM against arkworks' `VariableBaseMSM::msm`, in the same run.
//!
//! `cargo run --release -p zkaccel-backends --example msm_timing -- [log2 sizes...]`
//! (default: 16 20). Prints the best of a few repetitions for random and witness-like scalars.
//! `MSM_REPS=k` multiplies the repetitions, `MSM_OURS_ONLY=1` times zkaccel alone, and
//! `MSM_COMPARE_SCALAR=1` also times zkaccel with its vectorised G1 affine additions off.

use std::time::{Duration, Instant};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::cpu::msm;

fn points(n: usize, rng: &mut ChaCha8Rng) -> Vec<G1Affine> {
    let step = G1Projective::generator() * Fr::rand(rng);
    let mut p = G1Projective::generator() * Fr::rand(rng);
    let v: Vec<G1Projective> = (0..n)
        .map(|_| {
            p += step;
            p
        })
        .collect();
    G1Projective::normalize_batch(&v)
}

/// Process CPU time (user + system) from /proc, in seconds; zero where unavailable.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Best wall time and best CPU time of `reps` runs, and the last result.
fn best(reps: usize, mut f: impl FnMut() -> G1Projective) -> (Duration, f64, G1Projective) {
    let mut best = Duration::MAX;
    let mut best_cpu = f64::MAX;
    let mut out = G1Projective::zero();
    for _ in 0..reps {
        let c = cpu_seconds();
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed());
        best_cpu = best_cpu.min(cpu_seconds() - c);
    }
    (best, best_cpu, out)
}

fn compare(label: &str, bases: &[G1Affine], scalars: &[Fr], reps: usize) {
    if std::env::var_os("MSM_OURS_ONLY").is_some() {
        let (ours, ours_cpu, _) = best(reps, || msm::msm(bases, scalars));
        println!("{label:<28} zkaccel {:>8.1} ms (cpu {:.2} s)", ours.as_secs_f64() * 1e3, ours_cpu);
        return;
    }
    let (ark, ark_cpu, want) = best(reps, || G1Projective::msm(bases, scalars).expect("equal lengths"));
    let (ours, ours_cpu, got) = best(reps, || msm::msm(bases, scalars));
    assert_eq!(got, want, "{label}: results differ");
    if std::env::var_os("MSM_COMPARE_SCALAR").is_some() {
        // The same MSM with the vectorised G1 affine additions switched off.
        msm::set_vector_affine(false);
        let (scalar, _, got) = best(reps, || msm::msm(bases, scalars));
        msm::set_vector_affine(true);
        assert_eq!(got, want, "{label}: scalar-path results differ");
        println!(
            "{label:<24} scalar affine path {:>7.1} ms, vector {:>7.1} ms ({:.2}x)",
            scalar.as_secs_f64() * 1e3,
            ours.as_secs_f64() * 1e3,
            scalar.as_secs_f64() / ours.as_secs_f64()
        );
    }
    println!(
        "{label:<24} wall: arkworks {:>7.1} ms zkaccel {:>7.1} ms ({:.2}x) | cpu: {:.2} s vs {:.2} s ({:.2}x)",
        ark.as_secs_f64() * 1e3,
        ours.as_secs_f64() * 1e3,
        ark.as_secs_f64() / ours.as_secs_f64(),
        ark_cpu,
        ours_cpu,
        ark_cpu / ours_cpu.max(1e-9)
    );
}

fn main() {
    let logs: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let logs = if logs.is_empty() { vec![16, 20] } else { logs };
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    println!("threads: {}", rayon::current_num_threads());
    for log in logs {
        let n = 1usize << log;
        let reps =
            if log >= 20 { 2 } else { 4 } * std::env::var("MSM_REPS").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
        let bases = points(n, &mut rng);
        let random: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        compare(&format!("G1 2^{log} random"), &bases, &random, reps);
        let witness: Vec<Fr> = (0..n)
            .map(|i| match i % 10 {
                0 => Fr::rand(&mut rng),
                1..=3 => Fr::zero(),
                _ => Fr::from(rng.gen_range(0u64..2)),
            })
            .collect();
        compare(&format!("G1 2^{log} witness-like"), &bases, &witness, reps);
    }
    if std::env::var_os("MSM_OURS_ONLY").is_some() {
        return;
    }
    // A small G2 check so the generic path is timed too.
    let n = 1 << 12;
    let g = G2Projective::generator();
    let pts: Vec<G2Projective> = (1..=n as u64).map(|k| g * Fr::from(k)).collect();
    let bases = G2Projective::normalize_batch(&pts);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let t = Instant::now();
    let want = G2Projective::msm(&bases, &scalars).expect("equal lengths");
    let ark = t.elapsed();
    let t = Instant::now();
    let got = msm::msm(&bases, &scalars);
    let ours = t.elapsed();
    assert_eq!(got, want, "G2 results differ");
    println!(
        "{:<28} arkworks {:>8.1} ms   zkaccel {:>8.1} ms   speedup {:.2}x",
        "G2 2^12 random",
        ark.as_secs_f64() * 1e3,
        ours.as_secs_f64() * 1e3,
        ark.as_secs_f64() / ours.as_secs_f64()
    );
}
