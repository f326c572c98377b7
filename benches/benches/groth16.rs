//! Groth16 proofs of the bundled circom circuits (`host/tests/fixtures/groth16/`), the cases
//! `zkaccel bench --op groth16` and every suite run: one prover per backend (key loaded once,
//! untimed), each iteration one proof, pairing-checked by the prover. ZKACCEL_BENCH_LARGE=1
//! adds the 2^16-constraint circuit when `scripts/groth16-fixtures.sh` has made it.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkaccel::bench::groth16::{find, Circuit};
use zkaccel::bench::suite::{BUNDLED_CIRCUITS, LARGE_CIRCUIT};
use zkaccel::bench::BenchConfig;
use zkaccel::groth16::format::{read_zkey, ZkeyOptions};
use zkaccel::groth16::Prover;
use zkaccel_benches::{backends, bench_name};

fn groth16(c: &mut Criterion) {
    let backends = backends();
    let config = BenchConfig::default();
    let mut names = BUNDLED_CIRCUITS.to_vec();
    if std::env::var_os("ZKACCEL_BENCH_LARGE").is_some_and(|v| v != "0") {
        names.push(LARGE_CIRCUIT);
    }
    let mut group = c.benchmark_group("groth16");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1));
    for name in names {
        let circuit = match find(&config, name).and_then(|dir| Circuit::load(name, &dir)) {
            Ok(circuit) => circuit,
            Err(why) => {
                eprintln!("skipping groth16 {name}: {why}");
                continue;
            }
        };
        for backend in &backends {
            let key = read_zkey(&circuit.dir.join("circuit.zkey"), &ZkeyOptions::default()).expect("a valid key");
            let prover = Prover::new(key, backend.clone()).expect("a prover");
            group.bench_with_input(BenchmarkId::new(bench_name(backend.as_ref()), name), &name, |b, _| {
                b.iter(|| prover.prove(&circuit.witness).expect("a verified proof"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, groth16);
criterion_main!(benches);
