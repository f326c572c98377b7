//! Plain data shared by every backend: operations, device descriptions, NTT settings, handles.

use std::fmt;

/// An operation a backend may offer. Used in errors and in [`DeviceInfo::capabilities`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// Multi-scalar multiplication over G1.
    MsmG1,
    /// Multi-scalar multiplication over G2.
    MsmG2,
    /// Forward or inverse NTT over Fr, plain domain or coset.
    Ntt,
    /// Circomlib-compatible Poseidon hashing of a batch.
    Poseidon,
    /// Binary Merkle tree built with 2-input Poseidon.
    MerkleTree,
    /// Keeping MSM bases resident on the device behind a handle.
    ResidentBases,
}

impl Op {
    /// Every operation, in a stable order (for tables and capability lists).
    pub const ALL: [Op; 6] = [Op::MsmG1, Op::MsmG2, Op::Ntt, Op::Poseidon, Op::MerkleTree, Op::ResidentBases];

    /// Short stable name used on the command line and in JSON ("msm-g1", "ntt", ...).
    pub fn name(self) -> &'static str {
        match self {
            Op::MsmG1 => "msm-g1",
            Op::MsmG2 => "msm-g2",
            Op::Ntt => "ntt",
            Op::Poseidon => "poseidon",
            Op::MerkleTree => "merkle",
            Op::ResidentBases => "resident-bases",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::MsmG1 => "MSM G1",
            Op::MsmG2 => "MSM G2",
            Op::Ntt => "NTT",
            Op::Poseidon => "Poseidon",
            Op::MerkleTree => "Merkle tree",
            Op::ResidentBases => "resident bases",
        })
    }
}

/// The kind of hardware behind a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// Host CPU cores (rayon).
    Cpu,
    /// An NVIDIA GPU through CUDA.
    Cuda,
    /// Any GPU through WebGPU (Vulkan, Metal, DX12).
    WebGpu,
    /// An FPGA card, or its cycle-accurate simulation.
    Fpga,
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Cuda => "cuda",
            DeviceKind::WebGpu => "webgpu",
            DeviceKind::Fpga => "fpga",
        })
    }
}

/// What one operation accepts on a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpLimit {
    /// The operation.
    pub op: Op,
    /// Largest input accepted: points for MSM, elements for an NTT, hashes per batch for
    /// Poseidon, leaves for a Merkle tree, points per handle for resident bases.
    pub max_size: usize,
}

/// Self-description of a device, as `zkaccel devices` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Stable id used on the command line, e.g. "cpu", "cuda:0".
    pub id: String,
    /// Kind of hardware.
    pub kind: DeviceKind,
    /// Human-readable name, e.g. the CPU model or "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Total memory available to the device, in bytes.
    pub memory_bytes: u64,
    /// Parallel compute units: CPU threads, GPU SMs or compute units, FPGA engines.
    pub compute_units: u32,
    /// The operations this device runs and their maximum sizes. An operation missing here
    /// answers [`crate::BackendError::Unsupported`].
    pub capabilities: Vec<OpLimit>,
}

impl DeviceInfo {
    /// The limit for `op`, or `None` when the device does not support it.
    pub fn limit(&self, op: Op) -> Option<usize> {
        self.capabilities.iter().find(|c| c.op == op).map(|c| c.max_size)
    }

    /// Whether the device supports `op` at all.
    pub fn supports(&self, op: Op) -> bool {
        self.limit(op).is_some()
    }
}

/// Direction of a number-theoretic transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NttDirection {
    /// Coefficients to evaluations: `y_i = Σ_j a_j (s·ω^i)^j`.
    #[default]
    Forward,
    /// Evaluations to coefficients, the exact inverse of `Forward` on the same domain
    /// (includes the factor n⁻¹ and, on a coset, s^{-j}).
    Inverse,
}

/// The coset of the size-n subgroup H = ⟨ω⟩ that an NTT evaluates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Coset {
    /// H itself (shift 1).
    #[default]
    None,
    /// g·H with g = 5, Fr's multiplicative generator: arkworks' `get_coset(GENERATOR)`.
    Generator,
    /// ω_{2n}·H, the "odd" coset: the evaluation points snarkjs and rapidsnark use to compute
    /// Groth16's H polynomial. Needs a 2n-th root of unity, so n ≤ 2^27.
    OddPowersOf2n,
}

/// Settings of one NTT call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NttConfig {
    /// Forward or inverse.
    pub direction: NttDirection,
    /// The domain's shift.
    pub coset: Coset,
}

impl NttConfig {
    /// Forward NTT on the plain domain.
    pub const FORWARD: NttConfig = NttConfig { direction: NttDirection::Forward, coset: Coset::None };
    /// Inverse NTT on the plain domain.
    pub const INVERSE: NttConfig = NttConfig { direction: NttDirection::Inverse, coset: Coset::None };

    /// Forward NTT on the given coset.
    pub fn forward_on(coset: Coset) -> Self {
        NttConfig { direction: NttDirection::Forward, coset }
    }

    /// Inverse NTT on the given coset.
    pub fn inverse_on(coset: Coset) -> Self {
        NttConfig { direction: NttDirection::Inverse, coset }
    }
}

/// How much of a Merkle tree to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MerkleOutput {
    /// Only the root.
    #[default]
    RootOnly,
    /// Every level, leaves first, root last.
    AllLevels,
}

/// A binary Poseidon Merkle tree, node = Poseidon([left, right]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// The root. For a single leaf, the leaf itself.
    pub root: ark_bn254::Fr,
    /// With [`MerkleOutput::AllLevels`]: `levels[0]` are the leaves, each next level half as
    /// long, the last is `[root]`. Empty with [`MerkleOutput::RootOnly`].
    pub levels: Vec<Vec<ark_bn254::Fr>>,
}

/// The group a set of resident bases belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasesGroup {
    /// Points of G1.
    G1,
    /// Points of G2.
    G2,
}

/// Refers to MSM bases loaded once into a backend (and kept in device memory on a GPU).
///
/// Handles are only meaningful to the backend that issued them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BasesHandle {
    /// Backend-local id.
    pub id: u64,
    /// G1 or G2.
    pub group: BasesGroup,
    /// Number of points loaded.
    pub len: usize,
}
