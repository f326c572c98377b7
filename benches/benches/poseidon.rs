//! Batches of 2-input circomlib Poseidon hashes: zkaccel's backends (the CPU and every hardware
//! GPU found, or ZKACCEL_BENCH_DEVICES) against light-poseidon
//! `new_circom(2)` on rayon, on the inputs and sizes of `zkaccel bench --suite quick`
//! (ZKACCEL_BENCH_LARGE=1 adds `--suite standard`'s).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::workload::{Workload, POSEIDON_ARITY};
use zkaccel::bench::{baseline, BenchOp};
use zkaccel_benches::{backends, bench_name, suite_sizes, workload};

fn poseidon(c: &mut Criterion) {
    let backends = backends();
    let arity = POSEIDON_ARITY;
    let mut group = c.benchmark_group("poseidon-t3");
    group.sample_size(10);
    for log_n in suite_sizes(BenchOp::Poseidon) {
        let count = 1usize << log_n;
        let Workload::Poseidon { inputs } = workload(BenchOp::Poseidon, log_n) else { unreachable!("Poseidon") };
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
