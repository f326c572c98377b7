//! Times a few kernel commands on the simulator (cycles and simulated cycles per second).
use std::time::Instant;

use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::UniformRand;
use zkaccel_backends::{Backend, NttConfig};
use zkaccel_fpga::FpgaBackend;

fn main() {
    let b = FpgaBackend::sim().expect("simulator");
    let mut rng = ark_std::test_rng();
    for n in [100usize, 1024] {
        let bases: Vec<G1Affine> = (0..n).map(|_| (G1Affine::generator() * Fr::rand(&mut rng)).into_affine()).collect();
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let t = Instant::now();
        b.msm_g1(&bases, &scalars).unwrap();
        let el = t.elapsed();
        let log = b.device().take_log();
        let cycles: u64 = log.commands.iter().map(|c| c.2.cycles).sum();
        println!("msm n={n}: {} windows, {cycles} cycles, {:.2?}, {:.0} cycles/s", log.commands.len(), el, cycles as f64 / el.as_secs_f64());
    }
    let mut data: Vec<Fr> = (0..1024).map(|_| Fr::rand(&mut rng)).collect();
    let t = Instant::now();
    b.ntt(&mut data, NttConfig::FORWARD).unwrap();
    let el = t.elapsed();
    let log = b.device().take_log();
    let cycles: u64 = log.commands.iter().map(|c| c.2.cycles).sum();
    println!("ntt 1024: {cycles} cycles, {el:.2?}");
    let t = Instant::now();
    b.poseidon_hash_batch(&data[..128], 2).unwrap();
    let el = t.elapsed();
    let log = b.device().take_log();
    println!("poseidon 64: {} cycles, {el:.2?}", log.commands[0].2.cycles);
}
