//! Measures Fq Montgomery multiplication throughput on a WebGPU adapter with the production
//! 16-bit limbs and with 13-bit limbs, checking both results against arkworks.
//!
//! ```sh
//! cargo run --release -p zkaccel-webgpu --example limb_width                                # hardware GPU
//! ZKACCEL_WEBGPU_ADAPTER=cpu cargo run --release -p zkaccel-webgpu --example limb_width     # lavapipe
//! ```
//! Prints the median of 7 timed runs (after one warm-up) per width and their ratio.

use std::time::{Duration, Instant};

use ark_bn254::Fq;
use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
use rand::SeedableRng;
use zkaccel_webgpu::adapter::{self, AdapterClass};
use zkaccel_webgpu::shaders::{limbs13, Program};
use zkaccel_webgpu::{ContextOptions, GpuContext};

const RUNS: usize = 7;

/// `x` in Montgomery form with R = 2^256, as eight little-endian words (field.wgsl's layout).
fn encode16(x: &Fq) -> Vec<u8> {
    (*x * Fq::from(2u64).pow([256u64])).into_bigint().to_bytes_le()
}

/// `x` in Montgomery form with R = 2^260, as twenty 13-bit limbs in u32 words.
fn encode13(x: &Fq) -> Vec<u8> {
    let mont = (*x * Fq::from(2u64).pow([260u64])).into_bigint();
    limbs13::<Fq>(mont).iter().flat_map(|l| l.to_le_bytes()).collect()
}

fn main() {
    let class = AdapterClass::from_env().unwrap_or_else(|e| panic!("{e}")).unwrap_or_default();
    let instance = adapter::instance();
    let Some(found) = adapter::adapters(&instance, class).into_iter().next() else {
        eprintln!("no {class} WebGPU adapter found");
        std::process::exit(1);
    };
    let ctx = GpuContext::open(&found, "webgpu:bench".into(), ContextOptions::default()).expect("device opens");
    let software = found.get_info().device_type == wgpu::DeviceType::Cpu;
    let (count, rounds) = if software { (1usize << 12, 64u32) } else { (1usize << 20, 256u32) };
    println!("adapter: {}", adapter::describe(ctx.adapter_info()));
    println!("{count} chains of {rounds} Fq multiplications each; median of {RUNS} runs after a warm-up");

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let a: Vec<Fq> = (0..count).map(|_| Fq::rand(&mut rng)).collect();
    let b: Vec<Fq> = (0..count).map(|_| Fq::rand(&mut rng)).collect();
    let want: Vec<Fq> = a.iter().zip(&b).map(|(a, b)| *a * b.pow([u64::from(rounds)])).collect();

    let t16 = time_width(&ctx, "bench_mul16", &a, &b, &want, rounds, encode16);
    let t13 = time_width(&ctx, "bench_mul13", &a, &b, &want, rounds, encode13);
    let muls = (count as f64) * f64::from(rounds);
    for (name, t) in [("16-bit limbs", t16), ("13-bit limbs", t13)] {
        println!("{name}: {:>9.3} ms  {:>8.2} M mul/s", t.as_secs_f64() * 1e3, muls / t.as_secs_f64() / 1e6);
    }
    println!("time ratio 13-bit / 16-bit: {:.2}", t13.as_secs_f64() / t16.as_secs_f64());
}

/// Median time of `entry` over the inputs, after checking its output once.
fn time_width(
    ctx: &GpuContext,
    entry: &'static str,
    a: &[Fq],
    b: &[Fq],
    want: &[Fq],
    rounds: u32,
    encode: fn(&Fq) -> Vec<u8>,
) -> Duration {
    let pipeline = ctx.pipeline(Program::LimbBench, entry).expect("kernel compiles");
    let a_bytes: Vec<u8> = a.iter().flat_map(encode).collect();
    let b_bytes: Vec<u8> = b.iter().flat_map(encode).collect();
    let want_bytes: Vec<u8> = want.iter().flat_map(encode).collect();
    let ab = ctx.storage_from("a", &a_bytes);
    let bb = ctx.storage_from("b", &b_bytes);
    let out = ctx.storage_zeroed("out", a_bytes.len() as u64);
    let params = [a.len() as u32, rounds];
    let run = || {
        let mut encoder = ctx.encoder(entry);
        ctx.dispatch(&mut encoder, &pipeline, &params, &[&ab, &bb, &out], a.len() as u64);
        ctx.submit_and_wait(encoder).expect("runs");
    };
    run();
    let got = ctx.read(&out, a_bytes.len() as u64).expect("reads back");
    assert!(got == want_bytes, "{entry} gave wrong products");
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}
