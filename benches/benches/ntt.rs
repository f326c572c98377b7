//! Forward NTT: zkaccel's backends (the CPU and every hardware GPU found, or
//! ZKACCEL_BENCH_DEVICES) against ark-poly `Radix2EvaluationDomain::fft_in_place`,
//! on the inputs `zkaccel bench` uses. Sizes 2^12..2^16; ZKACCEL_BENCH_LARGE=1 adds 2^18, 2^20.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::{baseline, workload};
use zkaccel_backends::NttConfig;
use zkaccel_benches::{backends, bench_name, sizes};

fn ntt(c: &mut Criterion) {
    let backends = backends();
    let mut group = c.benchmark_group("ntt");
    group.sample_size(10);
    for log_n in sizes(&[12, 14, 16], &[18, 20]) {
        let n = 1usize << log_n;
        let coeffs = workload::ntt_input(n, 1);
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
