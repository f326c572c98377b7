//! MSM over G1: zkaccel's CPU backend against arkworks `VariableBaseMSM::msm`, on the inputs
//! `zkaccel bench` uses. Sizes 2^12..2^16; ZKACCEL_BENCH_LARGE=1 adds 2^18 and 2^20.

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

fn msm(c: &mut Criterion) {
    let cpu = CpuBackend::new();
    let mut group = c.benchmark_group("msm-g1");
    group.sample_size(10);
    for log_n in sizes(&[12, 14, 16], &[18, 20]) {
        let n = 1usize << log_n;
        let bases = workload::g1_points(n, 1);
        let scalars = workload::scalars(n, 1);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("zkaccel-cpu", log_n), &log_n, |b, _| {
            b.iter(|| cpu.msm_g1(&bases, &scalars).expect("valid MSM"))
        });
        group.bench_with_input(BenchmarkId::new("arkworks", log_n), &log_n, |b, _| {
            b.iter(|| baseline::msm_g1(&bases, &scalars))
        });
    }
    group.finish();
}

criterion_group!(benches, msm);
criterion_main!(benches);
