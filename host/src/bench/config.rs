//! What a benchmark run measures: operations, sizes, repeats, seed and baseline.

use serde::{Deserialize, Serialize};

use super::baseline::BaselineKind;
use super::op::BenchOp;
use super::suite::{Suite, BUNDLED_CIRCUITS};
use super::BenchError;

/// Seed used when none is given.
pub const DEFAULT_SEED: u64 = 0x5eed_2c4a_cce1;
/// Largest size accepted, as log2: Fr's 2-adicity bounds the NTT.
pub const MAX_LOG_N: u32 = 28;
/// Timed repeats of the `--quick` preset.
pub const QUICK_REPEATS: usize = 3;

/// Settings of one benchmark run. `Default` is what `zkaccel bench` runs without options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchConfig {
    /// Operations, in the order they run.
    pub ops: Vec<BenchOp>,
    /// Sizes (log2) for every operation; empty uses each operation's defaults (or the quick preset).
    pub log_n: Vec<u32>,
    /// Timed runs per case; `None` picks by size (see [`BenchConfig::repeats`]).
    pub repeat: Option<usize>,
    /// Untimed runs before the timed ones.
    pub warmup: usize,
    /// Seed of the generated inputs.
    pub seed: u64,
    /// What to compare against.
    pub baseline: BaselineKind,
    /// Small sizes and few repeats, for a run well under a minute.
    pub quick: bool,
    /// MSM: load the bases into the backend once, before the warm-up and untimed, then time
    /// MSMs over the resident copy (as a prover with a loaded proving key runs them).
    #[serde(default)]
    pub resident_bases: bool,
    /// A named suite: its cases, circuits and repeats replace `ops`, `log_n` and `quick`.
    #[serde(default)]
    pub suite: Option<Suite>,
    /// Where the Groth16 fixture folders are (default: see [`groth16::fixtures_dir`](super::groth16::fixtures_dir)).
    #[serde(default)]
    pub groth16_fixtures: Option<std::path::PathBuf>,
    /// Circuits (fixture folder names) for `groth16` and `msm-witness`; empty: the suite's, or
    /// the bundled ones. Left out of records when empty, so older records read back unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circuits: Vec<String>,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            ops: BenchOp::DEFAULT.to_vec(),
            log_n: Vec::new(),
            repeat: None,
            warmup: 1,
            seed: DEFAULT_SEED,
            baseline: BaselineKind::Arkworks,
            quick: false,
            resident_bases: false,
            suite: None,
            groth16_fixtures: None,
            circuits: Vec::new(),
        }
    }
}

impl BenchConfig {
    /// The sizes (log2) `op` runs at.
    pub fn sizes(&self, op: BenchOp) -> Vec<u32> {
        if !self.log_n.is_empty() {
            self.log_n.clone()
        } else if self.quick {
            op.quick_log_ns().to_vec()
        } else {
            op.default_log_ns().to_vec()
        }
    }

    /// Timed runs at size 2^`log_n`: the explicit `repeat`, else 3 with `quick`, else 5 up to
    /// 2^16, 3 up to 2^18 and 2 above (large cases take seconds each).
    pub fn repeats(&self, log_n: u32) -> usize {
        match (self.repeat, self.quick) {
            (Some(r), _) => r,
            (None, _) if self.suite.is_some() => self.suite.map_or(1, |s| s.repeats(log_n)),
            (None, true) => QUICK_REPEATS,
            (None, false) if log_n <= 16 => 5,
            (None, false) if log_n <= 18 => 3,
            (None, false) => 2,
        }
    }

    /// Every (operation, log2 size) case, in run order.
    pub fn cases(&self) -> Vec<(BenchOp, u32)> {
        if let Some(suite) = self.suite {
            return suite.cases();
        }
        self.ops
            .iter()
            .filter(|&&op| !op.from_circuits())
            .flat_map(|&op| self.sizes(op).into_iter().map(move |log_n| (op, log_n)))
            .collect()
    }

    /// The circuits (fixture names) that `groth16` proves and `msm-witness` reads: the named
    /// ones, else the suite's, else the bundled ones when `ops` has either operation.
    pub fn circuits(&self) -> Vec<String> {
        let wanted = self.suite.is_some() || self.ops.iter().any(|op| op.from_circuits());
        match self.suite {
            _ if !wanted => Vec::new(),
            _ if !self.circuits.is_empty() => self.circuits.clone(),
            Some(suite) => suite.circuits().into_iter().map(String::from).collect(),
            None => BUNDLED_CIRCUITS.map(String::from).to_vec(),
        }
    }

    /// Rejects settings that cannot run: no operation, a size out of range, zero repeats.
    pub fn validate(&self) -> Result<(), BenchError> {
        if self.ops.is_empty() {
            return Err(BenchError::Config("no operation to benchmark".into()));
        }
        if let Some(&bad) = self.log_n.iter().find(|&&l| l == 0 || l > MAX_LOG_N) {
            return Err(BenchError::Config(format!("--log-n {bad} is out of range 1..={MAX_LOG_N}")));
        }
        if self.repeat == Some(0) {
            return Err(BenchError::Config("--repeat must be at least 1".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_repeats() {
        let config = BenchConfig::default();
        assert_eq!(config.sizes(BenchOp::Msm), vec![16, 18, 20]);
        assert_eq!((config.repeats(16), config.repeats(18), config.repeats(20)), (5, 3, 2));
        let quick = BenchConfig { quick: true, ..BenchConfig::default() };
        assert_eq!(
            quick.cases(),
            vec![
                (BenchOp::Msm, 12),
                (BenchOp::Msm, 14),
                (BenchOp::Ntt, 14),
                (BenchOp::Ntt, 16),
                (BenchOp::Poseidon, 14)
            ]
        );
        assert_eq!(quick.repeats(14), QUICK_REPEATS);
        let explicit = BenchConfig { log_n: vec![8], repeat: Some(1), ops: vec![BenchOp::Ntt], ..quick };
        assert_eq!(explicit.cases(), vec![(BenchOp::Ntt, 8)]);
        assert_eq!(explicit.repeats(8), 1);
    }

    #[test]
    fn validation() {
        assert!(BenchConfig::default().validate().is_ok());
        for bad in [
            BenchConfig { ops: vec![], ..BenchConfig::default() },
            BenchConfig { log_n: vec![8, 29], ..BenchConfig::default() },
            BenchConfig { log_n: vec![0], ..BenchConfig::default() },
            BenchConfig { repeat: Some(0), ..BenchConfig::default() },
        ] {
            assert!(matches!(bad.validate(), Err(BenchError::Config(_))), "{bad:?}");
        }
    }
}
