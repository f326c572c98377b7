//! MSM over G1: zkaccel's backends (the CPU and every hardware GPU found, or
//! ZKACCEL_BENCH_DEVICES) against arkworks `VariableBaseMSM::msm`, on the inputs and sizes
//! `zkaccel bench --suite quick` uses (ZKACCEL_BENCH_LARGE=1 adds `--suite standard`'s):
//! group `msm-g1` with uniform scalars (`--op msm`), group `msm-g1-key` with proving-key-like
//! inputs (`--op msm-key`: mostly 0/1 scalars, identity bases).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::workload::Workload;
use zkaccel::bench::{baseline, BenchOp};
use zkaccel_benches::{backends, bench_name, suite_sizes, workload};

fn msm(c: &mut Criterion) {
    for (op, name) in [(BenchOp::Msm, "msm-g1"), (BenchOp::MsmKey, "msm-g1-key")] {
        msm_group(c, op, name);
    }
}

fn msm_group(c: &mut Criterion, op: BenchOp, name: &str) {
    let backends = backends();
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for log_n in suite_sizes(op) {
        let n = 1usize << log_n;
        let Workload::Msm { bases, scalars } = workload(op, log_n) else { unreachable!("an MSM workload") };
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
