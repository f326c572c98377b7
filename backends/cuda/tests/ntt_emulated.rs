//! The CUDA NTT (kernels/cuda/ntt.cu + `NttEngine`) on the host emulator, bit for bit against
//! the textbook reference NTT: every size 2^0 ..= 2^12 in both directions on all three cosets
//! plus round trips, 2^13 and 2^14 likewise, batches, edge values, memory limits
//! and the table cache.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use ark_bn254::Fr;
use ark_ff::{UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::cpu::reference::ntt::ntt as reference;
use zkaccel_backends::Result;
use zkaccel_backends::{BackendError, Coset, NttConfig};
use zkaccel_cuda::device::{DeviceBuffer, GpuDevice, KernelArg, LaunchShape, Program};
use zkaccel_cuda::emulated::EmulatedDevice;
use zkaccel_cuda::ntt::NttEngine;

const COSETS: [Coset; 3] = [Coset::None, Coset::Generator, Coset::OddPowersOf2n];

fn configs() -> Vec<NttConfig> {
    COSETS.iter().flat_map(|&c| [NttConfig::forward_on(c), NttConfig::inverse_on(c)]).collect()
}

fn engine_on(device: &Arc<EmulatedDevice>) -> NttEngine {
    NttEngine::new(Arc::clone(device) as Arc<dyn GpuDevice>)
}

fn engine() -> NttEngine {
    engine_on(&Arc::new(EmulatedDevice::new()))
}

fn random(len: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| Fr::rand(&mut rng)).collect()
}

fn expected(input: &[Fr], ntt_len: usize, config: NttConfig) -> Vec<Fr> {
    let mut out = input.to_vec();
    for chunk in out.chunks_mut(ntt_len) {
        reference(chunk, config);
    }
    out
}

fn check(engine: &NttEngine, input: &[Fr], ntt_len: usize, config: NttConfig) {
    let mut got = input.to_vec();
    engine.ntt_batch(&mut got, ntt_len, config).unwrap_or_else(|e| panic!("{ntt_len} {config:?}: {e}"));
    assert!(got == expected(input, ntt_len, config), "ntt_len {ntt_len}, {} values, {config:?}", input.len());
}

#[test]
fn every_size_to_2_12_both_directions_every_coset() {
    let engine = engine();
    for log_n in 0..=12 {
        let input = random(1 << log_n, log_n as u64);
        for config in configs() {
            check(&engine, &input, 1 << log_n, config);
        }
    }
}

#[test]
fn round_trips_to_2_12_every_coset_both_ways() {
    let engine = engine();
    for log_n in [0, 1, 2, 5, 9, 10, 11, 12] {
        let input = random(1 << log_n, 100 + log_n as u64);
        for coset in COSETS {
            let mut data = input.clone();
            engine.ntt(&mut data, NttConfig::forward_on(coset)).unwrap();
            engine.ntt(&mut data, NttConfig::inverse_on(coset)).unwrap();
            assert!(data == input, "forward then inverse, 2^{log_n}, {coset:?}");
            engine.ntt(&mut data, NttConfig::inverse_on(coset)).unwrap();
            engine.ntt(&mut data, NttConfig::forward_on(coset)).unwrap();
            assert!(data == input, "inverse then forward, 2^{log_n}, {coset:?}");
        }
    }
}

#[test]
fn sizes_2_13_and_2_14_both_directions_every_coset() {
    let engine = engine();
    for log_n in [13, 14] {
        let input = random(1 << log_n, 200 + log_n as u64);
        for config in configs() {
            check(&engine, &input, 1 << log_n, config);
        }
    }
}

#[test]
fn batches_match_transforms_one_by_one() {
    let engine = engine();
    for (i, log_n) in [0u32, 1, 3, 8, 10, 11].into_iter().enumerate() {
        for count in [1, 3, 7] {
            let input = random(count << log_n, 300 + (i * 10 + count) as u64);
            for config in configs() {
                check(&engine, &input, 1 << log_n, config);
            }
        }
    }
}

#[test]
fn edge_values() {
    let engine = engine();
    let minus_one = -Fr::from(1u64);
    for log_n in [1, 4, 11] {
        let n = 1 << log_n;
        let mut impulse = vec![Fr::zero(); n];
        impulse[n - 1] = minus_one;
        let mut alternating = vec![minus_one; n];
        alternating.iter_mut().step_by(2).for_each(|x| *x = Fr::zero());
        for input in [vec![Fr::zero(); n], vec![minus_one; n], impulse, alternating] {
            for config in configs() {
                check(&engine, &input, n, config);
            }
        }
        let mut zeros = vec![Fr::zero(); n];
        engine.ntt(&mut zeros, NttConfig::forward_on(Coset::Generator)).unwrap();
        assert!(zeros.iter().all(Fr::is_zero));
    }
}

#[test]
fn a_transform_larger_than_memory_is_a_typed_error() {
    let device = Arc::new(EmulatedDevice::with_memory_limit(64 << 10));
    let engine = engine_on(&device);
    let mut data = random(1 << 12, 400); // 128 KiB
    let before = data.clone();
    match engine.ntt(&mut data, NttConfig::FORWARD) {
        Err(BackendError::OutOfMemory { needed_bytes, available_bytes, .. }) => {
            assert!(needed_bytes > available_bytes, "{needed_bytes} vs {available_bytes}");
        }
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
    assert!(data == before, "a refused transform leaves the data alone");
    assert_eq!(device.free_memory().unwrap(), 64 << 10, "nothing stays allocated");
    // A size that fits still runs on the same engine afterwards.
    check(&engine, &random(1 << 9, 401), 1 << 9, NttConfig::inverse_on(Coset::Generator));
}

/// The emulator, counting `ntt_bitrev` launches (one per group of transforms run together).
struct CountingDevice {
    inner: EmulatedDevice,
    bitrev_launches: AtomicU32,
}

impl GpuDevice for CountingDevice {
    fn name(&self) -> String {
        self.inner.name()
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
    fn upload(&self, dst: &DeviceBuffer, offset_bytes: usize, src: &[u8]) -> Result<()> {
        self.inner.upload(dst, offset_bytes, src)
    }
    fn download(&self, src: &DeviceBuffer, offset_bytes: usize, dst: &mut [u8]) -> Result<()> {
        self.inner.download(src, offset_bytes, dst)
    }
    fn write_constant(&self, program: Program, symbol: &str, bytes: &[u8]) -> Result<()> {
        self.inner.write_constant(program, symbol, bytes)
    }
    fn launch(&self, program: Program, kernel: &str, shape: LaunchShape, args: &[KernelArg]) -> Result<()> {
        if kernel == "ntt_bitrev" {
            self.bitrev_launches.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.launch(program, kernel, shape, args)
    }
}

#[test]
fn a_batch_larger_than_memory_is_split_into_whole_transforms() {
    // 2^8 points: twiddles 4 KiB, coset powers 8 KiB, one transform 8 KiB; room for two.
    let device = Arc::new(CountingDevice {
        inner: EmulatedDevice::with_memory_limit((4 + 8 + 2 * 8 + 4) << 10),
        bitrev_launches: AtomicU32::new(0),
    });
    let engine = NttEngine::new(Arc::clone(&device) as Arc<dyn GpuDevice>);
    let input = random(7 << 8, 500);
    check(&engine, &input, 1 << 8, NttConfig::forward_on(Coset::OddPowersOf2n));
    assert_eq!(device.bitrev_launches.load(Ordering::Relaxed), 4, "7 transforms, two at a time");
    // The inverse then adds its own tables (4 KiB twiddles, 8 KiB powers) and leaves room for
    // one transform at a time: 4 + 7 launches.
    let device = Arc::new(CountingDevice {
        inner: EmulatedDevice::with_memory_limit((2 * (4 + 8) + 8 + 2) << 10),
        bitrev_launches: AtomicU32::new(0),
    });
    let engine = NttEngine::new(Arc::clone(&device) as Arc<dyn GpuDevice>);
    check(&engine, &input, 1 << 8, NttConfig::forward_on(Coset::Generator));
    check(&engine, &input, 1 << 8, NttConfig::inverse_on(Coset::Generator));
    assert_eq!(device.bitrev_launches.load(Ordering::Relaxed), 4 + 7);
}

#[test]
fn tables_are_uploaded_once_per_domain() {
    let device = Arc::new(EmulatedDevice::new());
    let engine = engine_on(&device);
    let input = random(1 << 10, 600);
    let config = NttConfig::forward_on(Coset::Generator);
    check(&engine, &input, 1 << 10, config);
    assert_eq!(engine.tables_uploaded(), 2, "twiddles and coset powers");
    let free = device.free_memory().unwrap();
    for _ in 0..2 {
        check(&engine, &input, 1 << 10, config);
        // The batch path shares the tables of its transform length.
        check(&engine, &random(3 << 10, 601), 1 << 10, config);
    }
    assert_eq!(engine.tables_uploaded(), 2);
    assert_eq!(device.free_memory().unwrap(), free, "no new device memory stays allocated");
    // The plain inverse needs its own twiddles and the single n⁻¹.
    check(&engine, &input, 1 << 10, NttConfig::INVERSE);
    assert_eq!(engine.tables_uploaded(), 4);
}

#[test]
fn bad_shapes_are_typed_errors() {
    let engine = engine();
    let mut data = random(12, 700);
    assert!(matches!(engine.ntt(&mut data, NttConfig::FORWARD), Err(BackendError::NotPowerOfTwo { size: 12, .. })));
    assert!(matches!(engine.ntt_batch(&mut data, 8, NttConfig::FORWARD), Err(BackendError::LengthMismatch { .. })));
    assert!(matches!(engine.ntt_batch(&mut data, 0, NttConfig::FORWARD), Err(BackendError::NotPowerOfTwo { .. })));
    engine.ntt(&mut [], NttConfig::FORWARD).unwrap();
}
