//! The shared conformance suite on every real GPU the machine has (the first one), plus a
//! 2^22-point MSM checked against the CPU backend. Skipped, with the reason, where there is
//! no CUDA driver or no GPU; a GPU that is present but cannot be used (NVRTC missing, a failed
//! self-test) fails the tests instead.

use std::sync::{Arc, OnceLock};

use zkaccel_backends::conformance::Availability;
use zkaccel_backends::Backend;

/// The first GPU's backend, probed once for the whole test binary.
fn gpu() -> Result<Arc<dyn Backend>, String> {
    static GPU: OnceLock<Result<Arc<dyn Backend>, String>> = OnceLock::new();
    GPU.get_or_init(|| {
        zkaccel_cuda::probe::probe(&zkaccel_cuda::CudaConfig::default())
            .map(|mut backends| Arc::new(backends.remove(0)) as Arc<dyn Backend>)
    })
    .clone()
}

/// Whether `reason` means the hardware is genuinely absent (rather than broken or misconfigured).
fn hardware_absent(reason: &str) -> bool {
    reason.starts_with("no CUDA driver") || reason.starts_with("no CUDA device")
}

fn cuda() -> Availability {
    match gpu() {
        Ok(backend) => Availability::Ready(backend),
        Err(reason) if hardware_absent(&reason) => Availability::Skip(reason),
        Err(reason) => panic!("a CUDA GPU is present but unusable: {reason}"),
    }
}

zkaccel_backends::conformance_suite!(cuda);

#[test]
fn msm_2_pow_22_matches_the_cpu_backend() {
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use zkaccel_backends::cpu::CpuBackend;

    let name = "msm_2_pow_22_matches_the_cpu_backend";
    let backend = match cuda() {
        Availability::Ready(backend) => backend,
        Availability::Skip(reason) => return zkaccel_backends::conformance::report_skip(name, &reason),
    };
    let n = 1usize << 22;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(22);
    // Distinct bases cheaply: a random walk of additions of a few random points.
    let steps: Vec<G1Projective> = (0..16).map(|_| G1Affine::generator() * Fr::rand(&mut rng)).collect();
    let mut acc = G1Affine::generator().into_group();
    let projective: Vec<G1Projective> = (0..n)
        .map(|i| {
            acc += steps[i % steps.len()];
            acc
        })
        .collect();
    let bases = G1Projective::normalize_batch(&projective);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let expected = CpuBackend::new().msm_g1(&bases, &scalars).expect("CPU MSM");
    let got = backend.msm_g1(&bases, &scalars).expect("GPU MSM");
    assert_eq!(got.into_affine(), expected.into_affine(), "2^22-point MSM differs from the CPU backend");
}
