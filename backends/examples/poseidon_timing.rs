//! Throughput of the optimized 2-input Poseidon against light-poseidon 0.5, in one process, all
//! on every rayon thread: `hash_batch` (the AVX-512 IFMA path where the CPU has it), the scalar
//! optimized `hash` per message, and light-poseidon. Best of several interleaved runs, to damp a noisy machine; besides wall
//! time it reports CPU time (Linux: summed over the process's threads), which other processes'
//! load distorts much less.
//!
//! `cargo run --release -p zkaccel-backends --example poseidon_timing [hashes] [arity]` (light-poseidon
//! takes at most 12 inputs; above that its row is left out)

use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ark_ff::UniformRand;
use light_poseidon::{Poseidon, PoseidonHasher};
use rand::SeedableRng;
use rayon::prelude::*;
use zkaccel_backends::cpu::poseidon;

/// CPU time run so far by all threads of this process, from /proc (0 where unavailable).
fn cpu_time() -> Duration {
    let ns: u64 = std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
                .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// Wall and CPU time of one run of `f`, and its output.
fn timed(f: impl FnOnce() -> Vec<Fr>) -> (Duration, Duration, Vec<Fr>) {
    let (wall, cpu) = (Instant::now(), cpu_time());
    let out = std::hint::black_box(f());
    (wall.elapsed(), cpu_time().saturating_sub(cpu), out)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let hashes: usize = args.next().map_or(1 << 16, |s| s.parse().expect("hash count"));
    let arity: usize = args.next().map_or(2, |s| s.parse().expect("arity"));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let inputs: Vec<Fr> = (0..hashes * arity).map(|_| Fr::rand(&mut rng)).collect();
    println!("{hashes} hashes of {arity} inputs on {} rayon threads", rayon::current_num_threads());

    poseidon::hash_batch(&inputs[..8 * arity], arity); // derive the constants outside the timing
                                                       // light-poseidon 0.5 stops at 12 inputs; above that, its row is left out.
    let has_light = Poseidon::<Fr>::new_circom(arity).is_ok();
    let light = || -> Vec<Fr> {
        if !has_light {
            return Vec::new();
        }
        inputs
            .par_chunks_exact(arity)
            .map_init(|| Poseidon::<Fr>::new_circom(arity).expect("arity"), |h, m| h.hash(m).expect("hash"))
            .collect()
    };
    let scalar = || -> Vec<Fr> { inputs.par_chunks_exact(arity).map(poseidon::hash).collect() };
    let batch = || poseidon::hash_batch(&inputs, arity);

    let names = ["light-poseidon 0.5", "zkaccel scalar", "zkaccel hash_batch"];
    let mut best = [[Duration::MAX; 2]; 3]; // contender × [wall, cpu]
    for _ in 0..3 {
        let runs = [timed(light), timed(scalar), timed(batch)];
        for (b, (wall, cpu, _)) in best.iter_mut().zip(&runs) {
            *b = [b[0].min(*wall), b[1].min(*cpu)];
        }
        if has_light {
            assert_eq!(runs[0].2, runs[1].2, "scalar outputs differ from light-poseidon");
        }
        assert_eq!(runs[1].2, runs[2].2, "hash_batch outputs differ from the scalar hash");
    }
    let rate = |t: Duration| hashes as f64 / t.as_secs_f64() / 1e3;
    let ratio = |base: usize, k: usize| best[base][1].as_secs_f64() / best[k][1].as_secs_f64();
    println!(
        "{:<20} {:>16} {:>20} {:>15} {:>16}",
        "", "wall k hashes/s", "k hashes per CPU-s", "vs light (CPU)", "vs scalar (CPU)"
    );
    for (k, name) in names.iter().enumerate().skip(usize::from(!has_light)) {
        let vs_light = if has_light { format!("{:.2}x", ratio(0, k)) } else { "-".into() };
        println!(
            "{name:<20} {:>16.1} {:>20.1} {vs_light:>15} {:>15.2}x",
            rate(best[k][0]),
            rate(best[k][1]),
            ratio(1, k)
        );
    }
}
