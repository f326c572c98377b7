//! Transfers overlapping compute in the MSM: `GpuDevice::upload_async` / `wait` on the host
//! emulator (results unchanged against the CPU reference, chunked or not), and the order of
//! device calls the MSM makes (digits and sort kernels between the start of the bases upload
//! and its wait; the wait before the first accumulation that reads the bases).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel_backends::cpu::reference;
use zkaccel_backends::Result;
use zkaccel_cuda::device::{DeviceBuffer, GpuDevice, KernelArg, LaunchShape, Program, Transfer};
use zkaccel_cuda::emulated::EmulatedDevice;
use zkaccel_cuda::layout::{fr_to_bytes, g1_affine_to_bytes};
use zkaccel_cuda::layout::{fr_write, g1_affine_write};
use zkaccel_cuda::msm::{MsmEngine, MsmOptions};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn random_points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut rng = rng(seed);
    let g = G1Projective::generator();
    let points: Vec<G1Projective> = (0..n).map(|_| g * Fr::rand(&mut rng)).collect();
    G1Projective::normalize_batch(&points)
}

fn random_scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = rng(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

fn check(engine: &MsmEngine, bases: &[G1Affine], scalars: &[Fr], what: &str) {
    let expected = reference::msm::msm(bases, scalars);
    let got = engine.msm_g1(bases, scalars).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got.into_affine(), expected.into_affine(), "{what}");
}

/// One device call, as the recorder saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    /// `upload_async` into the buffer at `ptr`, `len` bytes; `id` is the recorder's transfer id.
    UploadAsync { id: u64, ptr: u64, len: usize },
    /// `wait` on the recorder's transfer `id`.
    Wait { id: u64 },
    /// A kernel launch with its arguments.
    Launch { kernel: String, args: Vec<KernelArg> },
}

/// A `GpuDevice` that forwards to the emulator and records the order of asynchronous uploads,
/// waits and launches. Transfers get the recorder's own ids (the emulator's are all
/// "completed"), so each wait can be matched with its upload.
struct Recorder {
    inner: EmulatedDevice,
    calls: Mutex<Vec<Call>>,
    transfers: Mutex<HashMap<u64, Transfer>>,
}

impl Recorder {
    fn new(inner: EmulatedDevice) -> Self {
        Recorder { inner, calls: Mutex::new(Vec::new()), transfers: Mutex::new(HashMap::new()) }
    }

    fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

impl GpuDevice for Recorder {
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
    fn upload_async(
        &self,
        dst: &DeviceBuffer,
        offset_bytes: usize,
        len: usize,
        fill: &mut dyn FnMut(&mut [u8]),
    ) -> Result<Transfer> {
        let transfer = self.inner.upload_async(dst, offset_bytes, len, fill)?;
        let mut calls = self.calls.lock().unwrap();
        let id = calls.len() as u64 + 1;
        calls.push(Call::UploadAsync { id, ptr: dst.ptr(), len });
        self.transfers.lock().unwrap().insert(id, transfer);
        Ok(Transfer::new(id))
    }
    fn wait(&self, transfer: Transfer) -> Result<()> {
        let id = transfer.id();
        let inner =
            self.transfers.lock().unwrap().remove(&id).unwrap_or_else(|| panic!("wait on unknown transfer {id}"));
        self.calls.lock().unwrap().push(Call::Wait { id });
        self.inner.wait(inner)
    }
    fn download(&self, src: &DeviceBuffer, offset_bytes: usize, dst: &mut [u8]) -> Result<()> {
        self.inner.download(src, offset_bytes, dst)
    }
    fn write_constant(&self, program: Program, symbol: &str, bytes: &[u8]) -> Result<()> {
        self.inner.write_constant(program, symbol, bytes)
    }
    fn launch(&self, program: Program, kernel: &str, shape: LaunchShape, args: &[KernelArg]) -> Result<()> {
        self.calls.lock().unwrap().push(Call::Launch { kernel: kernel.to_string(), args: args.to_vec() });
        self.inner.launch(program, kernel, shape, args)
    }
}

fn position(calls: &[Call], from: usize, pred: impl Fn(&Call) -> bool) -> Option<usize> {
    calls[from..].iter().position(pred).map(|i| i + from)
}

fn is_launch(call: &Call, name: &str) -> bool {
    matches!(call, Call::Launch { kernel, .. } if kernel == name)
}

/// Checks, for every `msm_accumulate_bases` launch that follows a bases upload, that the
/// upload's wait comes before it and that the digit, count, scatter and segment kernels were
/// launched between the upload and its wait. Returns how many chunks uploaded bases.
fn check_overlap_order(calls: &[Call]) -> usize {
    let mut chunks = 0;
    let mut from = 0;
    while let Some(acc) = position(calls, from, |c| is_launch(c, "msm_accumulate_bases")) {
        let Call::Launch { args, .. } = &calls[acc] else { unreachable!() };
        let KernelArg::Ptr(bases_ptr) = args[0] else { panic!("bases pointer expected: {args:?}") };
        // The latest upload into the bases buffer before this launch.
        let upload = calls[from..acc]
            .iter()
            .rposition(|c| matches!(c, Call::UploadAsync { ptr, .. } if *ptr == bases_ptr))
            .map(|i| i + from)
            .expect("the bases are uploaded with upload_async");
        let Call::UploadAsync { id, len, .. } = calls[upload] else { unreachable!() };
        assert_eq!(len % 64, 0, "bases are 64 bytes per point");
        let wait = position(calls, upload, |c| *c == Call::Wait { id }).expect("the bases transfer is waited");
        assert!(wait < acc, "the bases are waited for before msm_accumulate_bases ({wait} vs {acc})");
        for kernel in ["msm_digits", "msm_count", "msm_scatter", "msm_segments", "msm_scan_tile"] {
            let k = position(calls, upload, |c| is_launch(c, kernel)).unwrap_or_else(|| panic!("{kernel} launched"));
            assert!(k < wait, "{kernel} runs while the bases are in flight (launch {k}, wait {wait})");
        }
        // The scalars were uploaded asynchronously before the bases and waited for before the digits.
        let scalars = calls[from..upload]
            .iter()
            .rposition(|c| matches!(c, Call::UploadAsync { .. }))
            .map(|i| i + from)
            .expect("the scalars are uploaded with upload_async before the bases");
        let Call::UploadAsync { id: scalar_id, len: scalar_len, .. } = calls[scalars] else { unreachable!() };
        assert_eq!(scalar_len * 2, len, "32-byte scalars, 64-byte bases");
        let scalar_wait = position(calls, scalars, |c| *c == Call::Wait { id: scalar_id }).expect("scalars waited");
        let digits = position(calls, upload, |c| is_launch(c, "msm_digits")).unwrap();
        assert!(upload < scalar_wait && scalar_wait < digits, "scalars waited after both uploads start, before digits");
        chunks += 1;
        from = acc + 1;
    }
    // Every transfer is waited exactly once.
    for call in calls {
        if let Call::UploadAsync { id, .. } = call {
            let waits = calls.iter().filter(|c| **c == Call::Wait { id: *id }).count();
            assert_eq!(waits, 1, "transfer {id} waited once");
        }
    }
    chunks
}

#[test]
fn in_place_writers_match_the_layout_functions() {
    let mut points = random_points(33, 1);
    points[5] = G1Affine::zero();
    let mut out = vec![0xA5u8; points.len() * 64];
    g1_affine_write(&points, &mut out);
    assert_eq!(out, g1_affine_to_bytes(&points));
    let scalars: Vec<Fr> = random_scalars(17, 2).into_iter().chain([Fr::zero(), -Fr::from(1u64)]).collect();
    let mut out = vec![0xA5u8; scalars.len() * 32];
    fr_write(&scalars, &mut out);
    assert_eq!(out, fr_to_bytes(&scalars));
}

#[test]
fn default_upload_async_is_a_completed_synchronous_upload() {
    let device = EmulatedDevice::new();
    let buffer = device.alloc(64).unwrap();
    let transfer = device.upload_async(&buffer, 8, 16, &mut |out| out.copy_from_slice(&[7u8; 16])).unwrap();
    assert!(transfer.is_completed());
    device.wait(transfer).unwrap();
    let mut back = vec![0u8; 64];
    device.download(&buffer, 0, &mut back).unwrap();
    assert_eq!(&back[..8], &[0u8; 8]);
    assert_eq!(&back[8..24], &[7u8; 16]);
    assert_eq!(&back[24..], &[0u8; 40]);
    // Out of range is an error, as for `upload`; a transfer dropped without `wait` is harmless.
    assert!(device.upload_async(&buffer, 60, 8, &mut |_| {}).is_err());
    let _dropped = device.upload_async(&buffer, 0, 4, &mut |out| out.fill(1)).unwrap();
    drop(buffer);
}

#[test]
fn overlapped_msm_matches_the_reference_for_several_sizes() {
    let engine = MsmEngine::new(Arc::new(EmulatedDevice::new()));
    let bases = random_points(2048, 3);
    let scalars = random_scalars(2048, 4);
    for n in [0usize, 1, 2, 5, 64, 255, 257, 1000, 2048] {
        check(&engine, &bases[..n], &scalars[..n], &format!("n = {n}"));
    }
}

#[test]
fn overlapped_msm_matches_the_reference_when_chunked() {
    let bases = random_points(3000, 5);
    let scalars = random_scalars(3000, 6);
    for limit in [3 << 20, 4 << 20, 6 << 20] {
        let engine = MsmEngine::new(Arc::new(EmulatedDevice::with_memory_limit(limit)));
        check(&engine, &bases, &scalars, &format!("chunked, {limit} bytes of device memory"));
        check(&engine, &bases[..1234], &scalars[..1234], &format!("chunked 1234 points, {limit} bytes"));
    }
}

#[test]
fn bases_upload_is_waited_right_before_the_first_accumulation() {
    let recorder = Arc::new(Recorder::new(EmulatedDevice::new()));
    let engine = MsmEngine::new(recorder.clone());
    let bases = random_points(1000, 7);
    let scalars = random_scalars(1000, 8);
    check(&engine, &bases, &scalars, "recorded");
    let calls = recorder.take_calls();
    assert_eq!(check_overlap_order(&calls), 1, "one chunk: {calls:?}");
    // Nothing reads the bases before their wait: no accumulation at all before it.
    let wait = calls.iter().rposition(|c| matches!(c, Call::Wait { .. })).unwrap();
    assert!(position(&calls, 0, |c| is_launch(c, "msm_accumulate_bases")).unwrap() > wait);
}

#[test]
fn every_chunk_overlaps_its_bases_upload() {
    let recorder = Arc::new(Recorder::new(EmulatedDevice::with_memory_limit(4 << 20)));
    let engine = MsmEngine::new(recorder.clone());
    let bases = random_points(3000, 9);
    let scalars = random_scalars(3000, 10);
    check(&engine, &bases, &scalars, "recorded, chunked");
    let calls = recorder.take_calls();
    let chunks = check_overlap_order(&calls);
    assert!(chunks > 1, "the 4 MiB device splits 3000 points into chunks, got {chunks}");
}

#[test]
fn resident_msm_uploads_only_scalars_and_matches_the_reference() {
    let recorder = Arc::new(Recorder::new(EmulatedDevice::new()));
    let engine = MsmEngine::with_options(recorder.clone(), MsmOptions { precompute_factor: 2 });
    let bases: Arc<[G1Affine]> = random_points(500, 11).into();
    let scalars = random_scalars(500, 12);
    let id = engine.load_bases(bases.clone()).unwrap();
    recorder.take_calls();
    let got = engine.msm_resident(id, 100..400, &scalars[100..400]).unwrap();
    assert_eq!(got.into_affine(), reference::msm::msm(&bases[100..400], &scalars[100..400]).into_affine());
    let calls = recorder.take_calls();
    let uploads: Vec<usize> = calls
        .iter()
        .filter_map(|c| match c {
            Call::UploadAsync { len, .. } => Some(*len),
            _ => None,
        })
        .collect();
    assert_eq!(uploads, vec![300 * 32], "only the scalars are uploaded");
    let wait = position(&calls, 0, |c| matches!(c, Call::Wait { .. })).expect("scalars waited");
    assert!(wait < position(&calls, 0, |c| is_launch(c, "msm_digits")).unwrap());
}
