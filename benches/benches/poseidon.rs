//! Batches of 2-input circomlib Poseidon hashes: zkaccel's backends (the CPU and every hardware
//! GPU found, or ZKACCEL_BENCH_DEVICES) against light-poseidon
//! `new_circom(2)` on rayon, on the inputs `zkaccel bench` uses. 2^12..2^16 hashes;
//! ZKACCEL_BENCH_LARGE=1 adds 2^18.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::{baseline, workload};
use zkaccel_benches::{backends, bench_name, sizes};

fn poseidon(c: &mut Criterion) {
    let backends = backends();
    let arity = workload::POSEIDON_ARITY;
    let mut group = c.benchmark_group("poseidon-t3");
    group.sample_size(10);
    for log_n in sizes(&[12, 14, 16], &[18]) {
        let count = 1usize << log_n;
        let inputs = workload::poseidon_messages(count, arity, 1);
        group.throughput(Throughput::Elements(count as u64));
        for backend in &backends {
            group.bench_with_input(BenchmarkId::new(bench_name(backend.as_ref()), log_n), &log_n, |b, _| {
                b.iter(|| backend.poseidon_hash_batch(&inputs, arity).expect("valid batch"))
            });
        }
        group.bench_with_input(BenchmarkId::new("light-poseidon", log_n), &log_n, |b, _| {
            b.iter(|| baseline::poseidon_batch(&inputs, arity))
        });
    }
    group.finish();
}

criterion_group!(benches, poseidon);
criterion_main!(benches);
