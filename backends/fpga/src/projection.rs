//! Projected times on a card from cycle counts measured on the simulator, at a stated clock.
//! Nothing here is a measurement of hardware: every figure is simulated kernel cycles divided by
//! the clock, labelled as such wherever it is printed.

use std::time::Instant;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::device_layout::g1_affine_to_bytes;
use zkaccel_backends::{Backend, BackendError, NttConfig, Result};

use crate::engines::msm;
use crate::regs::Command;
use crate::FpgaBackend;

/// The clock the projections assume (the design's target on UltraScale+ cards).
pub const CLOCK_MHZ: f64 = 250.0;

/// Seconds for `cycles` at [`CLOCK_MHZ`].
pub fn seconds(cycles: f64) -> f64 {
    cycles / (CLOCK_MHZ * 1e6)
}

/// A line fitted to MSM window cycles: cycles = `fixed` + `per_point`·n.
#[derive(Debug, Clone, Copy)]
pub struct WindowFit {
    /// Window width the fit is for.
    pub c: u32,
    /// Cycles per window independent of n (bucket read-back, drain, registers).
    pub fixed: f64,
    /// Cycles per (point, digit) pair.
    pub per_point: f64,
    /// (n, measured cycles of one window) samples the fit came from.
    pub samples: usize,
}

impl WindowFit {
    /// Projected kernel cycles of a whole MSM of `n` points (every window).
    pub fn msm_cycles(&self, n: usize) -> f64 {
        msm::windows(self.c) as f64 * (self.fixed + self.per_point * n as f64)
    }
}

/// Runs MSMs of random points and scalars of each size in `sizes` with window `c` on the
/// simulated card, checks each against arkworks, and fits window cycles to n.
pub fn fit_msm_windows(backend: &FpgaBackend, sizes: &[usize], c: u32) -> Result<WindowFit> {
    let device = backend.device();
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let mut xy = Vec::new();
    for &n in sizes {
        let bases: Vec<G1Affine> = (0..n).map(|_| (G1Affine::generator() * Fr::rand(&mut rng)).into_affine()).collect();
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        device.take_log();
        let mut session = device.session();
        let points = session.upload(&g1_affine_to_bytes(&bases))?;
        let got = msm::msm(device, &mut session, points.addr, &bases, &vec![false; n], &scalars, Some(c));
        session.free(points);
        drop(session);
        let expected = G1Projective::msm(&bases, &scalars).map_err(|_| BackendError::InvalidInput("lengths".into()))?;
        if got?.into_affine() != expected.into_affine() {
            return Err(BackendError::DeviceLost {
                device: "fpga:sim".into(),
                reason: format!("MSM of {n} points is wrong"),
            });
        }
        for (cmd, _, stats) in device.take_log().commands {
            if cmd == Command::MsmWindow {
                xy.push((n as f64, stats.cycles as f64));
            }
        }
    }
    let k = xy.len() as f64;
    let (sx, sy) = (xy.iter().map(|p| p.0).sum::<f64>(), xy.iter().map(|p| p.1).sum::<f64>());
    let sxx = xy.iter().map(|p| p.0 * p.0).sum::<f64>();
    let sxy = xy.iter().map(|p| p.0 * p.1).sum::<f64>();
    let per_point = (k * sxy - sx * sy) / (k * sxx - sx * sx);
    Ok(WindowFit { c, fixed: (sy - per_point * sx) / k, per_point, samples: xy.len() })
}

/// Kernel cycles of one forward NTT of 2^log_n random elements on the simulated card (checked
/// against the CPU reference).
pub fn ntt_cycles(backend: &FpgaBackend, log_n: u32) -> Result<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let input: Vec<Fr> = (0..1usize << log_n).map(|_| Fr::rand(&mut rng)).collect();
    let mut data = input.clone();
    backend.device().take_log();
    backend.ntt(&mut data, NttConfig::FORWARD)?;
    let cycles = backend.device().take_log().commands.iter().map(|c| c.2.cycles).sum();
    let mut expected = input;
    zkaccel_backends::cpu::reference::ntt::ntt(&mut expected, NttConfig::FORWARD);
    if data != expected {
        return Err(BackendError::DeviceLost { device: "fpga:sim".into(), reason: "NTT is wrong".into() });
    }
    Ok(cycles)
}

/// Kernel cycles of `count` 2-input Poseidon hashes on the simulated card (checked against the
/// CPU backend).
pub fn poseidon_cycles(backend: &FpgaBackend, count: usize) -> Result<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let inputs: Vec<Fr> = (0..2 * count).map(|_| Fr::rand(&mut rng)).collect();
    backend.device().take_log();
    let got = backend.poseidon_hash_batch(&inputs, 2)?;
    let cycles = backend.device().take_log().commands.iter().map(|c| c.2.cycles).sum();
    if got != zkaccel_backends::cpu::poseidon::hash_batch(&inputs, 2) {
        return Err(BackendError::DeviceLost { device: "fpga:sim".into(), reason: "Poseidon is wrong".into() });
    }
    Ok(cycles)
}

/// Host seconds to reduce one window of 2^(c−1) random buckets (the part of an MSM the host
/// does while the card accumulates the next window), measured on this machine.
pub fn host_reduction_seconds(c: u32) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let nb = 1usize << (c - 1);
    let g = G1Affine::generator();
    let base = g * Fr::rand(&mut rng);
    let mut bytes = Vec::with_capacity(nb * 128);
    // Random-looking buckets with Z = 1: (x, y, 1, 1) of distinct multiples.
    let mut p = base;
    let points: Vec<G1Affine> = (0..nb)
        .map(|_| {
            p += g;
            p
        })
        .collect::<Vec<_>>()
        .iter()
        .map(|q| q.into_affine())
        .collect();
    let one_fq: [u8; 32] = {
        let mut b = [0u8; 32];
        for (chunk, limb) in b.chunks_exact_mut(8).zip(ark_bn254::Fq::from(1u64).0 .0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        b
    };
    for q in &points {
        bytes.extend_from_slice(&g1_affine_to_bytes(std::slice::from_ref(q)));
        bytes.extend_from_slice(&one_fq);
        bytes.extend_from_slice(&one_fq);
    }
    let start = Instant::now();
    let sum = msm::window_sum(&bytes);
    let secs = start.elapsed().as_secs_f64();
    assert!(!sum.into_affine().is_zero() || nb == 0);
    secs
}
