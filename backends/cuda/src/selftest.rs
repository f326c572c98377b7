//! Start-up self-test: the field and curve kernels of `kernels/cuda/selftest.cu` run on the
//! device and are compared with arkworks. A GPU (or driver, or compiler) that gets BN254
//! arithmetic wrong is reported absent rather than used.
//!
//! The inputs are fixed (a seeded generator plus the edge values 0, 1, p − 1, the identity,
//! P + P and P + (−P)), so a failure reproduces.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField, UniformRand, Zero};
use zkaccel_backends::{BackendError, Result};

use crate::device::{GpuDevice, KernelArg, LaunchShape, Program};
use crate::layout::{self, AFFINE_BYTES, FIELD_BYTES, XYZZ_BYTES};

/// Random elements per check, on top of the edge cases.
const RANDOM_CASES: usize = 61;
/// Threads per block of the self-test launches (small, so several blocks run).
const BLOCK: u32 = 32;

/// Runs every self-test kernel on `device`. `Err` is `DeviceLost` whose reason starts with
/// "self-test failed" and names the kernel, the input index and the values.
pub fn run(device: &dyn GpuDevice) -> Result<()> {
    let mut rng = ark_std::test_rng();
    field_mul::<Fq>(device, "selftest_fq_mul", &mut rng)?;
    field_mul::<Fr>(device, "selftest_fr_mul", &mut rng)?;
    fq_add_sub(device, &mut rng)?;
    let (p, q) = point_pairs(&mut rng);
    g1_binary(device, "selftest_g1_add", &p, &q, |a, b| a.into_group() + b)?;
    g1_binary(device, "selftest_g1_add_xyzz", &p, &q, |a, b| a.into_group().double() + b.into_group().double())?;
    g1_double(device, &p)?;
    Ok(())
}

fn failed(device: &dyn GpuDevice, what: String) -> BackendError {
    BackendError::DeviceLost { device: device.name(), reason: format!("self-test failed: {what}") }
}

/// A field element's Montgomery limbs as device bytes.
fn limbs_bytes<F: MontField>(values: &[F]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * FIELD_BYTES);
    for v in values {
        let limbs = mont_limbs(v);
        for limb in limbs {
            out.extend_from_slice(&limb.to_le_bytes());
        }
    }
    out
}

/// Fq and Fr: prime fields whose stored Montgomery limbs the device reads directly.
trait MontField: PrimeField {
    fn limbs(&self) -> [u64; 4];
}

impl MontField for Fq {
    fn limbs(&self) -> [u64; 4] {
        self.0 .0
    }
}

impl MontField for Fr {
    fn limbs(&self) -> [u64; 4] {
        self.0 .0
    }
}

fn mont_limbs<F: MontField>(v: &F) -> [u64; 4] {
    v.limbs()
}

fn edge_values<F: PrimeField>() -> Vec<F> {
    vec![F::zero(), F::one(), -F::one(), F::from(2u64), -F::from(2u64)]
}

fn inputs<F: PrimeField>(rng: &mut impl ark_std::rand::Rng) -> (Vec<F>, Vec<F>) {
    let edges = edge_values::<F>();
    let mut a = Vec::new();
    let mut b = Vec::new();
    // Every pair of edge values, then random pairs (and random against edges).
    for x in &edges {
        for y in &edges {
            a.push(*x);
            b.push(*y);
        }
    }
    for i in 0..RANDOM_CASES {
        a.push(F::rand(rng));
        b.push(if i % 8 == 0 { edges[i % edges.len()] } else { F::rand(rng) });
    }
    (a, b)
}

/// Uploads `inputs`, allocates `out_bytes`, launches `kernel` over `n` items, downloads.
fn launch(device: &dyn GpuDevice, kernel: &str, inputs: &[&[u8]], out_bytes: usize, n: usize) -> Result<Vec<u8>> {
    let mut args = Vec::new();
    let mut buffers = Vec::new();
    for bytes in inputs {
        let buffer = device.alloc(bytes.len())?;
        device.upload(&buffer, 0, bytes)?;
        args.push(buffer.arg());
        buffers.push(buffer);
    }
    let out = device.alloc(out_bytes)?;
    args.push(out.arg());
    args.push(KernelArg::U32(n as u32));
    device.launch(Program::SelfTest, kernel, LaunchShape::cover(n as u64, BLOCK), &args)?;
    let mut result = vec![0u8; out_bytes];
    device.download(&out, 0, &mut result)?;
    Ok(result)
}

fn read_limbs(bytes: &[u8]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    limbs
}

fn field_mul<F: MontField>(device: &dyn GpuDevice, kernel: &str, rng: &mut impl ark_std::rand::Rng) -> Result<()> {
    let (a, b) = inputs::<F>(rng);
    let out = launch(device, kernel, &[&limbs_bytes(&a), &limbs_bytes(&b)], a.len() * FIELD_BYTES, a.len())?;
    for (i, chunk) in out.chunks_exact(FIELD_BYTES).enumerate() {
        let expected = mont_limbs(&(a[i] * b[i]));
        let got = read_limbs(chunk);
        if got != expected {
            return Err(failed(
                device,
                format!(
                    "{kernel}[{i}]: {} * {} should be Montgomery limbs {expected:x?}, the device gave {got:x?}",
                    a[i], b[i]
                ),
            ));
        }
    }
    Ok(())
}

fn fq_add_sub(device: &dyn GpuDevice, rng: &mut impl ark_std::rand::Rng) -> Result<()> {
    let kernel = "selftest_fq_add_sub";
    let (a, b) = inputs::<Fq>(rng);
    let out = launch(device, kernel, &[&limbs_bytes(&a), &limbs_bytes(&b)], a.len() * 3 * FIELD_BYTES, a.len())?;
    for (i, chunk) in out.chunks_exact(3 * FIELD_BYTES).enumerate() {
        let expected = [a[i] + b[i], a[i] - b[i], -a[i]];
        for (k, (want, got)) in expected.iter().zip(chunk.chunks_exact(FIELD_BYTES)).enumerate() {
            let got = read_limbs(got);
            if got != mont_limbs(want) {
                let op = ["a + b", "a - b", "-a"][k];
                return Err(failed(
                    device,
                    format!(
                        "{kernel}[{i}]: {op} with a = {}, b = {} should be {want}, the device gave limbs {got:x?}",
                        a[i], b[i]
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Pairs of affine points covering the special cases of addition, then random pairs.
fn point_pairs(rng: &mut impl ark_std::rand::Rng) -> (Vec<G1Affine>, Vec<G1Affine>) {
    let g = G1Affine::generator();
    let random = |rng: &mut _| (g * Fr::rand(rng)).into_affine();
    let p0 = random(rng);
    let p1 = random(rng);
    let id = G1Affine::zero();
    let neg = |p: G1Affine| -p;
    let mut p = vec![g, p0, p0, p1, id, p0, id, g, neg(g)];
    let mut q = vec![g, p0, neg(p0), id, p1, p1, id, neg(g), neg(g)];
    for _ in 0..RANDOM_CASES {
        p.push(random(rng));
        q.push(random(rng));
    }
    (p, q)
}

fn check_xyzz(device: &dyn GpuDevice, kernel: &str, i: usize, bytes: &[u8], expected: G1Projective) -> Result<()> {
    let zz = layout::fq_from_bytes(&bytes[64..96]);
    let zzz = layout::fq_from_bytes(&bytes[96..128]);
    let consistent = zz.is_zero() == zzz.is_zero() && zz.pow([3u64]) == zzz.square();
    let got = layout::g1_from_xyzz_bytes(bytes);
    if !consistent || got != expected {
        return Err(failed(
            device,
            format!(
                "{kernel}[{i}]: expected {}, the device gave {} (ZZ^3 = ZZZ^2: {consistent})",
                expected.into_affine(),
                got.into_affine()
            ),
        ));
    }
    Ok(())
}

fn g1_binary(
    device: &dyn GpuDevice,
    kernel: &str,
    p: &[G1Affine],
    q: &[G1Affine],
    expected: impl Fn(G1Affine, G1Affine) -> G1Projective,
) -> Result<()> {
    let inputs = [layout::g1_affine_to_bytes(p), layout::g1_affine_to_bytes(q)];
    debug_assert_eq!(inputs[0].len(), p.len() * AFFINE_BYTES);
    let out = launch(device, kernel, &[&inputs[0], &inputs[1]], p.len() * XYZZ_BYTES, p.len())?;
    for (i, chunk) in out.chunks_exact(XYZZ_BYTES).enumerate() {
        check_xyzz(device, kernel, i, chunk, expected(p[i], q[i]))?;
    }
    Ok(())
}

fn g1_double(device: &dyn GpuDevice, p: &[G1Affine]) -> Result<()> {
    let kernel = "selftest_g1_double";
    let out = launch(device, kernel, &[&layout::g1_affine_to_bytes(p)], p.len() * XYZZ_BYTES, p.len())?;
    for (i, chunk) in out.chunks_exact(XYZZ_BYTES).enumerate() {
        check_xyzz(device, kernel, i, chunk, p[i].into_group().double())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::One;

    #[test]
    fn montgomery_limbs_match_arkworks_storage() {
        for v in [Fr::zero(), Fr::one(), -Fr::one(), Fr::from(12345u64)] {
            assert_eq!(mont_limbs(&v), v.0 .0);
        }
        for v in [Fq::zero(), Fq::one(), -Fq::one(), Fq::from(777u64)] {
            assert_eq!(mont_limbs(&v), v.0 .0);
        }
        assert_eq!(limbs_bytes(&[Fr::from(5u64)]), layout::fr_to_bytes(&[Fr::from(5u64)]));
    }

    #[cfg(feature = "emulator")]
    mod on_the_emulator {
        use super::super::*;
        use crate::device::DeviceBuffer;
        use crate::emulated::EmulatedDevice;

        #[test]
        fn the_emulated_kernels_pass() {
            run(&EmulatedDevice::new()).expect("self-test on the emulator");
        }

        /// The emulator, but one bit of each result of `kernel` is flipped on the way back.
        struct Faulty {
            inner: EmulatedDevice,
            kernel: &'static str,
            last: std::sync::Mutex<String>,
        }

        impl GpuDevice for Faulty {
            fn name(&self) -> String {
                "faulty".into()
            }
            fn total_memory(&self) -> u64 {
                self.inner.total_memory()
            }
            fn free_memory(&self) -> Result<u64> {
                self.inner.free_memory()
            }
            fn compute_units(&self) -> u32 {
                self.inner.compute_units()
            }
            fn alloc(&self, bytes: usize) -> Result<DeviceBuffer> {
                self.inner.alloc(bytes)
            }
            fn upload(&self, dst: &DeviceBuffer, offset: usize, src: &[u8]) -> Result<()> {
                self.inner.upload(dst, offset, src)
            }
            fn download(&self, src: &DeviceBuffer, offset: usize, dst: &mut [u8]) -> Result<()> {
                self.inner.download(src, offset, dst)?;
                if *self.last.lock().unwrap() == self.kernel {
                    let at = dst.len() / 2;
                    dst[at] ^= 1;
                }
                Ok(())
            }
            fn write_constant(&self, program: Program, symbol: &str, bytes: &[u8]) -> Result<()> {
                self.inner.write_constant(program, symbol, bytes)
            }
            fn launch(&self, program: Program, kernel: &str, shape: LaunchShape, args: &[KernelArg]) -> Result<()> {
                *self.last.lock().unwrap() = kernel.to_string();
                self.inner.launch(program, kernel, shape, args)
            }
        }

        #[test]
        fn a_wrong_result_in_any_kernel_fails_the_test() {
            for kernel in [
                "selftest_fq_mul",
                "selftest_fr_mul",
                "selftest_fq_add_sub",
                "selftest_g1_add",
                "selftest_g1_add_xyzz",
                "selftest_g1_double",
            ] {
                let device = Faulty { inner: EmulatedDevice::new(), kernel, last: Default::default() };
                match run(&device) {
                    Err(BackendError::DeviceLost { reason, .. }) => {
                        assert!(reason.starts_with("self-test failed") && reason.contains(kernel), "{reason}")
                    }
                    other => panic!("{kernel}: a corrupted result must fail the self-test, got {other:?}"),
                }
            }
        }
    }
}
