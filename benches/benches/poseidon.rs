//! Batches of 2-input circomlib Poseidon hashes: zkaccel's CPU backend against light-poseidon
//! `new_circom(2)` on rayon, on the inputs `zkaccel bench` uses. 2^12..2^16 hashes;
//! ZKACCEL_BENCH_LARGE=1 adds 2^18.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::{baseline, workload};
use zkaccel_backends::cpu::CpuBackend;
use zkaccel_backends::Backend;

/// log2 sizes to run: the defaults, plus the large ones when ZKACCEL_BENCH_LARGE is set.
fn sizes(default: &[u32], large: &[u32]) -> Vec<u32> {
    let mut sizes = default.to_vec();
    if std::env::var_os("ZKACCEL_BENCH_LARGE").is_some_and(|v| v != "0") {
        sizes.extend_from_slice(large);
    }
    sizes
}

fn poseidon(c: &mut Criterion) {
    let cpu = CpuBackend::new();
    let arity = workload::POSEIDON_ARITY;
    let mut group = c.benchmark_group("poseidon-t3");
    group.sample_size(10);
    for log_n in sizes(&[12, 14, 16], &[18]) {
        let count = 1usize << log_n;
        let inputs = workload::poseidon_messages(count, arity, 1);
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new("zkaccel-cpu", log_n), &log_n, |b, _| {
            b.iter(|| cpu.poseidon_hash_batch(&inputs, arity).expect("valid batch"))
        });
        group.bench_with_input(BenchmarkId::new("light-poseidon", log_n), &log_n, |b, _| {
            b.iter(|| baseline::poseidon_batch(&inputs, arity))
        });
    }
    group.finish();
}

criterion_group!(benches, poseidon);
criterion_main!(benches);
