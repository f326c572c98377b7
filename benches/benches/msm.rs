//! MSM over G1: zkaccel's backends (the CPU and every hardware GPU found, or
//! ZKACCEL_BENCH_DEVICES) against arkworks `VariableBaseMSM::msm`, on the inputs
//! `zkaccel bench` uses. Sizes 2^12..2^16; ZKACCEL_BENCH_LARGE=1 adds 2^18 and 2^20.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::{baseline, workload};
use zkaccel_benches::{backends, bench_name, sizes};

fn msm(c: &mut Criterion) {
    let backends = backends();
    let mut group = c.benchmark_group("msm-g1");
    group.sample_size(10);
    for log_n in sizes(&[12, 14, 16], &[18, 20]) {
        let n = 1usize << log_n;
        let bases = workload::g1_points(n, 1);
        let scalars = workload::scalars(n, 1);
        group.throughput(Throughput::Elements(n as u64));
        for backend in &backends {
            group.bench_with_input(BenchmarkId::new(bench_name(backend.as_ref()), log_n), &log_n, |b, _| {
                b.iter(|| backend.msm_g1(&bases, &scalars).expect("valid MSM"))
            });
        }
        group.bench_with_input(BenchmarkId::new("arkworks", log_n), &log_n, |b, _| {
            b.iter(|| baseline::msm_g1(&bases, &scalars))
        });
    }
    group.finish();
}

criterion_group!(benches, msm);
criterion_main!(benches);
