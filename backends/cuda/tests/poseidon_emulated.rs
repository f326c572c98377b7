//! The CUDA Poseidon (kernels/cuda/poseidon.cu + `PoseidonEngine`) on the host emulator, against
//! circomlibjs's known answers and the CPU backend (optimized and reference).
//!
//! Under the emulator `ZK_CONSTANT` memory is one static per process, shared by every
//! `EmulatedDevice`, while each engine caches which arity it last wrote there. Tests in this
//! binary therefore run one at a time (`serial()`), each with its own engine.

use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::cpu::{poseidon as cpu, reference::poseidon as reference};
use zkaccel_backends::{BackendError, MerkleOutput};
use zkaccel_cuda::device::{DeviceBuffer, GpuDevice, KernelArg, LaunchShape, Program};
use zkaccel_cuda::emulated::EmulatedDevice;
use zkaccel_cuda::poseidon::{constant_set_bytes, PoseidonEngine};

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn engine() -> PoseidonEngine {
    PoseidonEngine::new(Arc::new(EmulatedDevice::new()))
}

fn engine_with_limit(bytes: u64) -> PoseidonEngine {
    PoseidonEngine::new(Arc::new(EmulatedDevice::with_memory_limit(bytes)))
}

fn fr(n: u64) -> Fr {
    Fr::from(n)
}

fn hex(h: Fr) -> String {
    h.into_bigint().to_bytes_be().iter().map(|b| format!("{b:02x}")).collect()
}

fn random(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

#[test]
fn poseidon_cuda_known_answers() {
    let _s = serial();
    let e = engine();
    let one = |inputs: &[Fr]| e.hash_batch(inputs, inputs.len()).unwrap()[0];
    assert_eq!(hex(one(&[fr(1), fr(2)])), "115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a");
    assert_eq!(
        hex(one(&[fr(1), fr(2), fr(3), fr(4)])),
        "299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465"
    );
    let expected = Fr::from_str("18586133768512220936620570745912940619677854269274689475585506675881198879027");
    assert_eq!(Ok(one(&[fr(1)])), expected);
    let sixteen: Vec<Fr> = (1..=16).map(fr).collect();
    let expected = Fr::from_str("9989051620750914585850546081941653841776809718687451684622678807385399211877");
    assert_eq!(Ok(one(&sixteen)), expected);
}

#[test]
fn poseidon_cuda_every_arity_matches_the_reference() {
    let _s = serial();
    let e = engine();
    let minus_one = -Fr::from(1u64);
    for arity in 1..=16 {
        // Random messages, then an all-zero one and an all-(r − 1) one.
        let mut inputs = random(5 * arity, arity as u64);
        inputs.extend(std::iter::repeat_n(Fr::zero(), arity));
        inputs.extend(std::iter::repeat_n(minus_one, arity));
        let got = e.hash_batch(&inputs, arity).unwrap();
        let want: Vec<Fr> = inputs.chunks(arity).map(reference::hash).collect();
        assert_eq!(got, want, "arity {arity}");
    }
    // Back to a narrow arity after the wide ones: constant memory is rewritten.
    let inputs = random(6, 99);
    assert_eq!(e.hash_batch(&inputs, 3).unwrap(), cpu::hash_batch(&inputs, 3));
}

#[test]
fn poseidon_cuda_batch_sizes_around_the_block_size() {
    let _s = serial();
    let e = engine();
    for (arity, count) in [(2, 1), (2, 2), (2, 255), (2, 1000), (16, 255), (5, 257)] {
        let inputs = random(arity * count, count as u64);
        let got = e.hash_batch(&inputs, arity).unwrap();
        assert_eq!(got.len(), count);
        assert_eq!(got, cpu::hash_batch(&inputs, arity), "arity {arity}, {count} hashes");
    }
    assert_eq!(e.hash_batch(&[], 4), Ok(vec![]));
}

#[test]
fn poseidon_cuda_rejects_bad_shapes() {
    let _s = serial();
    let e = engine();
    assert!(matches!(e.hash_batch(&[fr(1)], 0), Err(BackendError::InvalidInput(_))));
    assert!(matches!(e.hash_batch(&[fr(1); 17], 17), Err(BackendError::InvalidInput(_))));
    assert!(matches!(e.hash_batch(&[fr(1); 3], 2), Err(BackendError::LengthMismatch { .. })));
    assert!(matches!(e.merkle_tree(&[fr(1); 3], MerkleOutput::RootOnly), Err(BackendError::NotPowerOfTwo { .. })));
    assert!(matches!(e.merkle_tree(&[], MerkleOutput::AllLevels), Err(BackendError::NotPowerOfTwo { .. })));
}

#[test]
fn poseidon_cuda_merkle_trees_match_the_cpu() {
    let _s = serial();
    let e = engine();
    for n in [1usize, 2, 4, 1024] {
        let leaves = random(n, 1000 + n as u64);
        for output in [MerkleOutput::RootOnly, MerkleOutput::AllLevels] {
            let got = e.merkle_tree(&leaves, output).unwrap();
            assert_eq!(got, cpu::merkle_tree(&leaves, output), "{n} leaves, {output:?}");
            if n <= 4 {
                assert_eq!(got, reference::merkle_tree(&leaves, output), "{n} leaves, {output:?}");
            }
        }
    }
}

#[test]
fn poseidon_cuda_chunks_when_memory_is_short() {
    let _s = serial();
    // Arity 2: room for 100 messages (3 elements each); 1000 messages take 10 chunks.
    let inputs = random(2 * 1000, 7);
    let e = engine_with_limit(100 * 96);
    assert_eq!(e.hash_batch(&inputs, 2).unwrap(), cpu::hash_batch(&inputs, 2));
    // Arity 16: the global-memory constants stay resident, leaving room for 30 messages.
    let inputs = random(16 * 200, 8);
    let e = engine_with_limit(constant_set_bytes(17) as u64 + 30 * 17 * 32);
    assert_eq!(e.hash_batch(&inputs, 16).unwrap(), cpu::hash_batch(&inputs, 16));
    // A tree of 1024 leaves in subtrees of 64 (64 + 32 elements): several passes.
    let leaves = random(1024, 9);
    let e = engine_with_limit(96 * 32);
    for output in [MerkleOutput::RootOnly, MerkleOutput::AllLevels] {
        assert_eq!(e.merkle_tree(&leaves, output).unwrap(), cpu::merkle_tree(&leaves, output), "{output:?}");
    }
}

#[test]
fn poseidon_cuda_out_of_memory_is_an_error() {
    let _s = serial();
    let e = engine_with_limit(64);
    assert!(matches!(e.hash_batch(&[fr(1), fr(2)], 2), Err(BackendError::OutOfMemory { .. })));
    assert!(matches!(e.merkle_tree(&[fr(1), fr(2)], MerkleOutput::RootOnly), Err(BackendError::OutOfMemory { .. })));
    // Constants of a wide arity that do not fit.
    let e = engine_with_limit(4096);
    assert!(matches!(e.hash_batch(&[fr(1); 16], 16), Err(BackendError::OutOfMemory { .. })));
}

#[test]
fn poseidon_cuda_concurrent_callers_of_one_engine() {
    let _s = serial();
    let e = Arc::new(engine());
    let handles: Vec<_> = [2usize, 5, 2, 13]
        .into_iter()
        .enumerate()
        .map(|(i, arity)| {
            let e = Arc::clone(&e);
            std::thread::spawn(move || {
                for round in 0..3 {
                    let inputs = random(arity * 20, (i * 10 + round) as u64);
                    assert_eq!(e.hash_batch(&inputs, arity).unwrap(), cpu::hash_batch(&inputs, arity), "arity {arity}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// An emulated device that counts what the engine asks of it.
struct Counting {
    inner: EmulatedDevice,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Counts {
    constant_writes: usize,
    launches: usize,
    uploads: usize,
    downloads: usize,
    downloaded_bytes: usize,
}

impl Counting {
    fn new(limit: u64) -> Arc<Self> {
        Arc::new(Counting { inner: EmulatedDevice::with_memory_limit(limit), counts: Mutex::new(Counts::default()) })
    }

    fn take(&self) -> Counts {
        std::mem::take(&mut *self.counts.lock().unwrap())
    }
}

impl GpuDevice for Counting {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn total_memory(&self) -> u64 {
        self.inner.total_memory()
    }
    fn free_memory(&self) -> zkaccel_backends::Result<u64> {
        self.inner.free_memory()
    }
    fn compute_units(&self) -> u32 {
        self.inner.compute_units()
    }
    fn alloc(&self, bytes: usize) -> zkaccel_backends::Result<DeviceBuffer> {
        self.inner.alloc(bytes)
    }
    fn upload(&self, dst: &DeviceBuffer, offset_bytes: usize, src: &[u8]) -> zkaccel_backends::Result<()> {
        self.counts.lock().unwrap().uploads += 1;
        self.inner.upload(dst, offset_bytes, src)
    }
    fn download(&self, src: &DeviceBuffer, offset_bytes: usize, dst: &mut [u8]) -> zkaccel_backends::Result<()> {
        let mut c = self.counts.lock().unwrap();
        c.downloads += 1;
        c.downloaded_bytes += dst.len();
        drop(c);
        self.inner.download(src, offset_bytes, dst)
    }
    fn write_constant(&self, program: Program, symbol: &str, bytes: &[u8]) -> zkaccel_backends::Result<()> {
        self.counts.lock().unwrap().constant_writes += 1;
        self.inner.write_constant(program, symbol, bytes)
    }
    fn launch(
        &self,
        program: Program,
        kernel: &str,
        shape: LaunchShape,
        args: &[KernelArg],
    ) -> zkaccel_backends::Result<()> {
        self.counts.lock().unwrap().launches += 1;
        self.inner.launch(program, kernel, shape, args)
    }
}

#[test]
fn poseidon_cuda_uploads_constants_once_and_downloads_only_what_is_asked() {
    let _s = serial();
    let device = Counting::new(1 << 30);
    let e = PoseidonEngine::new(device.clone());
    let inputs = random(2 * 10, 1);
    e.hash_batch(&inputs, 2).unwrap();
    e.hash_batch(&inputs, 2).unwrap();
    let c = device.take();
    assert_eq!((c.constant_writes, c.launches, c.uploads, c.downloads), (1, 2, 2, 2));
    // Another arity rewrites constant memory, and so does going back.
    e.hash_batch(&inputs, 5).unwrap();
    e.hash_batch(&inputs, 2).unwrap();
    assert_eq!(device.take().constant_writes, 2);
    // Arity 13 (t = 14) reads global memory: one upload of its constants, then only the inputs.
    let wide = random(13 * 3, 2);
    e.hash_batch(&wide, 13).unwrap();
    e.hash_batch(&wide, 13).unwrap();
    let c = device.take();
    assert_eq!((c.constant_writes, c.uploads), (0, 3));

    // A Merkle tree uses t = 3, still resident from the last arity-2 batch (arity 13 left
    // constant memory alone): no write. RootOnly downloads the root alone.
    let leaves = random(1024, 3);
    let root_only = e.merkle_tree(&leaves, MerkleOutput::RootOnly).unwrap();
    let c = device.take();
    assert_eq!((c.constant_writes, c.launches, c.uploads, c.downloads, c.downloaded_bytes), (0, 10, 1, 1, 32));
    let all = e.merkle_tree(&leaves, MerkleOutput::AllLevels).unwrap();
    let c = device.take();
    assert_eq!((c.constant_writes, c.launches, c.downloaded_bytes), (0, 10, 1023 * 32));
    assert_eq!(all.root, root_only.root);

    // Chunked: 1000 messages, room for 100 at a time.
    let device = Counting::new(100 * 96);
    let e = PoseidonEngine::new(device.clone());
    let inputs = random(2 * 1000, 4);
    assert_eq!(e.hash_batch(&inputs, 2).unwrap(), cpu::hash_batch(&inputs, 2));
    assert_eq!(device.take().launches, 10);
}
