//! Forward NTT: zkaccel's CPU backend against ark-poly `Radix2EvaluationDomain::fft_in_place`,
//! on the inputs `zkaccel bench` uses. Sizes 2^12..2^16; ZKACCEL_BENCH_LARGE=1 adds 2^18, 2^20.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::{baseline, workload};
use zkaccel_backends::cpu::CpuBackend;
use zkaccel_backends::{Backend, NttConfig};

/// log2 sizes to run: the defaults, plus the large ones when ZKACCEL_BENCH_LARGE is set.
fn sizes(default: &[u32], large: &[u32]) -> Vec<u32> {
    let mut sizes = default.to_vec();
    if std::env::var_os("ZKACCEL_BENCH_LARGE").is_some_and(|v| v != "0") {
        sizes.extend_from_slice(large);
    }
    sizes
}

fn ntt(c: &mut Criterion) {
    let cpu = CpuBackend::new();
    let mut group = c.benchmark_group("ntt");
    group.sample_size(10);
    for log_n in sizes(&[12, 14, 16], &[18, 20]) {
        let n = 1usize << log_n;
        let coeffs = workload::ntt_input(n, 1);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("zkaccel-cpu", log_n), &log_n, |b, _| {
            b.iter_batched_ref(
                || coeffs.clone(),
                |data| cpu.ntt(data, NttConfig::FORWARD).expect("valid NTT"),
                BatchSize::LargeInput,
            )
        });
        group.bench_with_input(BenchmarkId::new("ark-poly", log_n), &log_n, |b, _| {
            b.iter_batched_ref(|| coeffs.clone(), baseline::ntt, BatchSize::LargeInput)
        });
    }
    group.finish();
}

criterion_group!(benches, ntt);
criterion_main!(benches);
