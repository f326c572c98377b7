//! The operations `zkaccel bench` measures, their units and default sizes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zkaccel_backends::Op;

/// A benchmarked operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BenchOp {
    /// MSM over G1 (`msm` or `msm-g1` on the command line), uniformly random scalars.
    Msm,
    /// MSM over G1 with proving-key-like inputs: witness-like scalars (mostly 0 and 1, some
    /// small, some full-size) over bases that include identity points; see
    /// [`workload::key_like_msm`](super::workload::key_like_msm).
    MsmKey,
    /// MSM over G1 with a real Groth16 key's A query and its circuit's witness, beside the same
    /// bases with uniformly random scalars (size: log2 of the query, rounded up).
    MsmWitness,
    /// MSM over G2.
    MsmG2,
    /// Forward NTT on the plain domain.
    Ntt,
    /// Batch of 2-input circomlib Poseidon hashes.
    Poseidon,
    /// Poseidon Merkle tree root.
    Merkle,
    /// Groth16 proofs of the bundled circuits (size: log2 of the circuit's domain).
    Groth16,
}

/// What a throughput counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// MSM points per second.
    Points,
    /// NTT elements per second.
    Elements,
    /// Poseidon hashes per second.
    Hashes,
    /// Merkle leaves per second.
    Leaves,
    /// Groth16 proofs per second.
    Proofs,
}

impl Unit {
    /// The unit as shown in tables and JSON, e.g. "points/s".
    pub fn per_second(self) -> &'static str {
        match self {
            Unit::Points => "points/s",
            Unit::Elements => "elements/s",
            Unit::Hashes => "hashes/s",
            Unit::Leaves => "leaves/s",
            Unit::Proofs => "proofs/s",
        }
    }
}

impl BenchOp {
    /// Every operation, in table order.
    pub const ALL: [BenchOp; 8] = [
        BenchOp::Msm,
        BenchOp::MsmKey,
        BenchOp::MsmWitness,
        BenchOp::MsmG2,
        BenchOp::Ntt,
        BenchOp::Poseidon,
        BenchOp::Merkle,
        BenchOp::Groth16,
    ];
    /// What `--op` runs when not given.
    pub const DEFAULT: [BenchOp; 3] = [BenchOp::Msm, BenchOp::Ntt, BenchOp::Poseidon];

    /// The command-line and JSON name.
    pub fn name(self) -> &'static str {
        match self {
            BenchOp::Msm => "msm",
            BenchOp::MsmKey => "msm-key",
            BenchOp::MsmWitness => "msm-witness",
            BenchOp::MsmG2 => "msm-g2",
            BenchOp::Ntt => "ntt",
            BenchOp::Poseidon => "poseidon",
            BenchOp::Merkle => "merkle",
            BenchOp::Groth16 => "groth16",
        }
    }

    /// Whether the inputs come from circuit files (`groth16`, `msm-witness`), not from `--log-n`.
    pub fn from_circuits(self) -> bool {
        matches!(self, BenchOp::Groth16 | BenchOp::MsmWitness)
    }

    /// The backend operation this runs (for capability checks).
    pub fn backend_op(self) -> Op {
        match self {
            BenchOp::Msm | BenchOp::MsmKey | BenchOp::MsmWitness | BenchOp::Groth16 => Op::MsmG1,
            BenchOp::MsmG2 => Op::MsmG2,
            BenchOp::Ntt => Op::Ntt,
            BenchOp::Poseidon => Op::Poseidon,
            BenchOp::Merkle => Op::MerkleTree,
        }
    }

    /// The throughput unit; the size 2^log_n counts the same thing.
    pub fn unit(self) -> Unit {
        match self {
            BenchOp::Msm | BenchOp::MsmKey | BenchOp::MsmWitness | BenchOp::MsmG2 => Unit::Points,
            BenchOp::Ntt => Unit::Elements,
            BenchOp::Poseidon => Unit::Hashes,
            BenchOp::Merkle => Unit::Leaves,
            BenchOp::Groth16 => Unit::Proofs,
        }
    }

    /// How many units one run at 2^`log_n` processes: 2^`log_n`, except one proof per Groth16 run
    /// (an `msm-witness` result counts its query's actual length instead).
    pub fn items(self, log_n: u32) -> u64 {
        match self {
            BenchOp::Groth16 => 1,
            _ => 1u64 << log_n,
        }
    }

    /// Sizes (log2) run when `--log-n` is not given.
    pub fn default_log_ns(self) -> &'static [u32] {
        match self {
            BenchOp::Msm | BenchOp::MsmKey | BenchOp::Ntt => &[16, 18, 20],
            // Groth16 and msm-witness sizes come from the circuits, not from --log-n.
            BenchOp::Groth16 | BenchOp::MsmWitness => &[],
            BenchOp::MsmG2 => &[12, 14, 16],
            BenchOp::Poseidon | BenchOp::Merkle => &[12, 14, 16],
        }
    }

    /// Sizes (log2) of the `--quick` preset: well under a minute in all on two cores.
    pub fn quick_log_ns(self) -> &'static [u32] {
        match self {
            BenchOp::Msm | BenchOp::MsmKey => &[12, 14],
            BenchOp::MsmG2 => &[10, 12],
            BenchOp::Groth16 | BenchOp::MsmWitness => &[],
            BenchOp::Ntt => &[14, 16],
            BenchOp::Poseidon => &[14],
            BenchOp::Merkle => &[12, 14],
        }
    }
}

impl fmt::Display for BenchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BenchOp {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        if s == "msm-g1" {
            return Ok(BenchOp::Msm);
        }
        BenchOp::ALL.into_iter().find(|op| op.name() == s).ok_or_else(|| {
            let valid: Vec<&str> = BenchOp::ALL.iter().map(|op| op.name()).collect();
            format!("unknown operation `{s}`; valid operations are: {}", valid.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_units_match_ops() {
        for op in BenchOp::ALL {
            assert_eq!(op.name().parse::<BenchOp>().unwrap(), op);
        }
        assert_eq!("MSM-G1".parse::<BenchOp>().unwrap(), BenchOp::Msm);
        assert!("fft"
            .parse::<BenchOp>()
            .unwrap_err()
            .contains("msm, msm-key, msm-witness, msm-g2, ntt, poseidon, merkle, groth16"));
        assert_eq!(BenchOp::Msm.unit().per_second(), "points/s");
        assert_eq!(BenchOp::MsmG2.unit().per_second(), "points/s");
        assert_eq!(BenchOp::Ntt.unit().per_second(), "elements/s");
        assert_eq!(BenchOp::Poseidon.unit().per_second(), "hashes/s");
        assert_eq!(BenchOp::Merkle.unit().per_second(), "leaves/s");
        assert_eq!(BenchOp::MsmKey.unit().per_second(), "points/s");
        assert_eq!(BenchOp::MsmWitness.unit().per_second(), "points/s");
        assert_eq!(BenchOp::Groth16.unit().per_second(), "proofs/s");
        assert_eq!((BenchOp::Groth16.items(12), BenchOp::Ntt.items(12)), (1, 4096));
        assert_eq!(serde_json::to_string(&BenchOp::MsmG2).unwrap(), "\"msm-g2\"");
    }
}
