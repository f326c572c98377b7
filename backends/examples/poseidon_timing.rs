//! Throughput of the optimized 2-input Poseidon against light-poseidon 0.5, in one process, both
//! on every rayon thread. Best of several interleaved runs, to damp a noisy machine; besides wall
//! time it reports CPU time (Linux: summed over the process's threads), which other processes'
//! load distorts much less.
//!
//! `cargo run --release -p zkaccel-backends --example poseidon_timing [hashes] [arity]`

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

    poseidon::hash(&inputs[..arity]); // derive the optimized constants outside the timing
    let light = || -> Vec<Fr> {
        inputs
            .par_chunks_exact(arity)
            .map_init(|| Poseidon::<Fr>::new_circom(arity).expect("arity"), |h, m| h.hash(m).expect("hash"))
            .collect()
    };
    let ours = || poseidon::hash_batch(&inputs, arity);

    let mut best = [[Duration::MAX; 2]; 2]; // [light, ours] × [wall, cpu]
    for _ in 0..3 {
        let (wall, cpu, a) = timed(light);
        best[0] = [best[0][0].min(wall), best[0][1].min(cpu)];
        let (wall, cpu, b) = timed(ours);
        best[1] = [best[1][0].min(wall), best[1][1].min(cpu)];
        assert_eq!(a, b, "outputs differ from light-poseidon");
    }
    let rate = |t: Duration| hashes as f64 / t.as_secs_f64() / 1e3;
    println!("                    wall: k hashes/s   CPU: k hashes per CPU-second");
    println!("light-poseidon 0.5: {:>14.1} {:>16.1}", rate(best[0][0]), rate(best[0][1]));
    println!("zkaccel optimized:  {:>14.1} {:>16.1}", rate(best[1][0]), rate(best[1][1]));
    let speedup = |i: usize| best[0][i].as_secs_f64() / best[1][i].as_secs_f64();
    println!("speed-up:           {:>13.2}x {:>15.2}x", speedup(0), speedup(1));
}
