//! Named benchmark suites: fixed sets of operations, sizes, repeats and Groth16 circuits, so
//! that two machines (or two releases) run exactly the same cases.
//!
//! The suites are the single definition of "what we measure": `zkaccel bench --suite` runs
//! them, and the criterion benches in `benches/` take their sizes from here too.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::op::BenchOp;

/// A named suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Suite {
    /// Small sizes of everything, about a minute on two cores: a smoke test of a machine.
    Quick,
    /// The sizes quoted in docs/BENCHMARKS.md (2^16–2^20 MSM and NTT).
    Standard,
    /// Up to 2^22 MSM/NTT and the 2^16-constraint Groth16 circuit when its files exist.
    Full,
}

/// The bundled Groth16 circuits (committed under `host/tests/fixtures/groth16/`).
pub const BUNDLED_CIRCUITS: [&str; 3] = ["multiplier", "many_public", "poseidon_chain_small"];
/// The 2^16-constraint circuit made by `scripts/groth16-fixtures.sh` (not committed).
pub const LARGE_CIRCUIT: &str = "poseidon_chain_200";

impl Suite {
    /// Every suite.
    pub const ALL: [Suite; 3] = [Suite::Quick, Suite::Standard, Suite::Full];

    /// The name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Suite::Quick => "quick",
            Suite::Standard => "standard",
            Suite::Full => "full",
        }
    }

    /// Sizes (log2) of `op` in this suite (empty: `op` is not in it; Groth16 sizes come from circuits).
    pub fn log_ns(self, op: BenchOp) -> &'static [u32] {
        use BenchOp::*;
        match (self, op) {
            (Suite::Quick, Msm | MsmKey) => &[12, 14],
            (Suite::Quick, Ntt) => &[14, 16],
            (Suite::Quick, Poseidon) => &[14],
            (Suite::Quick, Merkle) => &[12],
            (Suite::Quick, MsmG2) => &[],
            (Suite::Standard, Msm | MsmKey | Ntt) => &[16, 18, 20],
            (Suite::Standard, Poseidon | Merkle) => &[12, 14, 16],
            (Suite::Standard, MsmG2) => &[12, 14],
            (Suite::Full, Msm | MsmKey | Ntt) => &[16, 18, 20, 22],
            (Suite::Full, Poseidon | Merkle) => &[12, 14, 16, 18],
            (Suite::Full, MsmG2) => &[12, 14, 16],
            (_, Groth16 | MsmWitness) => &[],
        }
    }

    /// Every (operation, log2 size) case except Groth16, in run order.
    pub fn cases(self) -> Vec<(BenchOp, u32)> {
        BenchOp::ALL.iter().flat_map(|&op| self.log_ns(op).iter().map(move |&l| (op, l))).collect()
    }

    /// Groth16 circuits, by fixture name. `full` adds [`LARGE_CIRCUIT`] (skipped with the reason
    /// when its files have not been made).
    pub fn circuits(self) -> Vec<&'static str> {
        let mut circuits = BUNDLED_CIRCUITS.to_vec();
        if self == Suite::Full {
            circuits.push(LARGE_CIRCUIT);
        }
        circuits
    }

    /// The operations in this suite, in run order (Groth16 last); `full` also runs `msm-witness`
    /// on its circuits.
    pub fn ops(self) -> Vec<BenchOp> {
        let on_circuits = |op: BenchOp| op == BenchOp::Groth16 || (op == BenchOp::MsmWitness && self == Suite::Full);
        BenchOp::ALL.into_iter().filter(|&op| on_circuits(op) || !self.log_ns(op).is_empty()).collect()
    }

    /// Untimed warm-up runs per case.
    pub fn warmup(self) -> usize {
        match self {
            Suite::Quick => 1,
            Suite::Standard => 2,
            Suite::Full => 3,
        }
    }

    /// Timed runs at 2^`log_n`: enough for quartiles and outlier flags (at least 5).
    pub fn repeats(self, log_n: u32) -> usize {
        match (self, log_n) {
            (Suite::Quick, _) => 5,
            (Suite::Standard, 0..=16) => 10,
            (Suite::Standard, _) => 5,
            (Suite::Full, 0..=16) => 20,
            (Suite::Full, 17..=18) => 10,
            (Suite::Full, _) => 5,
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Suite {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Suite::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| format!("unknown suite `{s}`; valid suites are: quick, standard, full"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_grow_and_parse() {
        for suite in Suite::ALL {
            assert_eq!(suite.name().parse::<Suite>().unwrap(), suite);
            assert!(suite.repeats(24) >= 5 && suite.warmup() >= 1);
            assert!(suite.cases().iter().all(|&(op, _)| op != BenchOp::Groth16));
        }
        assert!("huge".parse::<Suite>().is_err());
        let quick = Suite::Quick.cases();
        assert!(quick.contains(&(BenchOp::MsmKey, 12)) && quick.contains(&(BenchOp::Merkle, 12)));
        assert!(Suite::Standard.cases().len() > quick.len());
        assert!(Suite::Full.cases().len() > Suite::Standard.cases().len());
        assert_eq!(Suite::Quick.circuits(), BUNDLED_CIRCUITS.to_vec());
        assert!(!Suite::Quick.ops().contains(&BenchOp::MsmG2) && Suite::Full.ops().len() == BenchOp::ALL.len());
        assert!(!Suite::Standard.ops().contains(&BenchOp::MsmWitness));
        assert_eq!(Suite::Full.circuits().last(), Some(&LARGE_CIRCUIT));
    }
}
