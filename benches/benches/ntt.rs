//! Forward NTT: zkaccel's backends (the CPU and every hardware GPU found, or
//! ZKACCEL_BENCH_DEVICES) against ark-poly `Radix2EvaluationDomain::fft_in_place`,
//! on the inputs and sizes of `zkaccel bench --suite quick` (ZKACCEL_BENCH_LARGE=1 adds
//! `--suite standard`'s).

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::workload::Workload;
use zkaccel::bench::{baseline, BenchOp};
use zkaccel_backends::NttConfig;
use zkaccel_benches::{backends, bench_name, suite_sizes, workload};

fn ntt(c: &mut Criterion) {
    let backends = backends();
    let mut group = c.benchmark_group("ntt");
    group.sample_size(10);
    for log_n in suite_sizes(BenchOp::Ntt) {
        let n = 1usize << log_n;
        let Workload::Ntt { coeffs } = workload(BenchOp::Ntt, log_n) else { unreachable!("an NTT workload") };
        group.throughput(Throughput::Elements(n as u64));
        for backend in &backends {
            group.bench_with_input(BenchmarkId::new(bench_name(backend.as_ref()), log_n), &log_n, |b, _| {
                b.iter_batched_ref(
                    || coeffs.clone(),
                    |data| backend.ntt(data, NttConfig::FORWARD).expect("valid NTT"),
                    BatchSize::LargeInput,
                )
            });
        }
        group.bench_with_input(BenchmarkId::new("ark-poly", log_n), &log_n, |b, _| {
            b.iter_batched_ref(|| coeffs.clone(), baseline::ntt, BatchSize::LargeInput)
        });
    }
    group.finish();
}

criterion_group!(benches, ntt);
criterion_main!(benches);
