//! The JSON body of a raw job (`POST /v1/jobs`), as submitted, before any checking.

use serde::{Deserialize, Serialize};

use super::RawJobError;

/// A raw job as submitted: one workload with its inputs inline (decimal or `0x`-hex strings)
/// or generated from a seed. [`RawJob::prepare`](super::RawJob::prepare) checks it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawJob {
    /// Σ scalars[i]·bases[i] over G1.
    Msm {
        /// Affine points `["x", "y"]`; `["0", "0"]` is the identity.
        #[serde(default)]
        bases: Option<Vec<[String; 2]>>,
        /// One scalar per base.
        #[serde(default)]
        scalars: Option<Vec<String>>,
        /// Generated inputs instead: `size` points and scalars.
        #[serde(default)]
        random: Option<RandomInputs>,
    },
    /// An NTT over the plain domain of the values' length (a power of two).
    Ntt {
        /// The coefficients (forward) or evaluations (inverse), natural order.
        #[serde(default)]
        values: Option<Vec<String>>,
        /// The inverse transform instead of the forward one.
        #[serde(default)]
        inverse: bool,
        /// Generated inputs instead: `size` values.
        #[serde(default)]
        random: Option<RandomInputs>,
    },
    /// Circomlib Poseidon of each input row.
    Poseidon {
        /// Elements per hash, 1 to 16.
        arity: usize,
        /// The messages, each of `arity` elements.
        #[serde(default)]
        inputs: Option<Vec<Vec<String>>>,
        /// Generated inputs instead: `size` messages.
        #[serde(default)]
        random: Option<RandomInputs>,
    },
    /// The root of a binary Poseidon Merkle tree.
    Merkle {
        /// The leaves: a power of two, at least 2.
        #[serde(default)]
        leaves: Option<Vec<String>>,
        /// Generated inputs instead: `size` leaves.
        #[serde(default)]
        random: Option<RandomInputs>,
    },
}

/// Inputs generated deterministically from a seed instead of sent inline.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RandomInputs {
    /// How many: MSM terms, NTT values, Poseidon messages or Merkle leaves.
    pub size: usize,
    /// The same seed gives the same inputs on every machine.
    pub seed: u64,
}

/// How much a raw job may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawJobLimits {
    /// Most input elements: MSM terms (a base and its scalar), NTT values, Poseidon field
    /// elements (messages × arity) or Merkle leaves.
    pub max_elements: usize,
}

impl Default for RawJobLimits {
    fn default() -> RawJobLimits {
        RawJobLimits { max_elements: 1 << 20 }
    }
}

impl RawJob {
    /// Parses a request body, naming what is wrong with it (unknown kind or field, wrong type).
    pub fn from_json(body: &[u8]) -> Result<RawJob, RawJobError> {
        serde_json::from_slice(body).map_err(|e| RawJobError::invalid(format!("not a valid raw job: {e}")))
    }

    /// The job's kind as the API names it: `msm`, `ntt`, `poseidon` or `merkle`.
    pub fn kind(&self) -> &'static str {
        match self {
            RawJob::Msm { .. } => "msm",
            RawJob::Ntt { .. } => "ntt",
            RawJob::Poseidon { .. } => "poseidon",
            RawJob::Merkle { .. } => "merkle",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RawJob, RawJobError> {
        RawJob::from_json(text.as_bytes())
    }

    #[test]
    fn bodies_from_the_docs_parse() {
        let msm = parse(r#"{"kind":"msm","bases":[["1","2"]],"scalars":["3"]}"#).unwrap();
        assert_eq!(
            msm,
            RawJob::Msm { bases: Some(vec![["1".into(), "2".into()]]), scalars: Some(vec!["3".into()]), random: None }
        );
        assert_eq!(msm.kind(), "msm");
        let ntt = parse(r#"{"kind":"ntt","values":["1","2"],"inverse":true}"#).unwrap();
        assert_eq!(ntt, RawJob::Ntt { values: Some(vec!["1".into(), "2".into()]), inverse: true, random: None });
        assert_eq!(ntt.kind(), "ntt");
        let poseidon = parse(r#"{"kind":"poseidon","arity":2,"inputs":[["1","2"]]}"#).unwrap();
        assert_eq!(poseidon.kind(), "poseidon");
        let merkle = parse(r#"{"kind":"merkle","random":{"size":4,"seed":18446744073709551615}}"#).unwrap();
        assert_eq!(merkle, RawJob::Merkle { leaves: None, random: Some(RandomInputs { size: 4, seed: u64::MAX }) });
        assert_eq!(merkle.kind(), "merkle");
        // `inverse` defaults to false.
        let ntt = parse(r#"{"kind":"ntt","random":{"size":8,"seed":1}}"#).unwrap();
        assert!(matches!(ntt, RawJob::Ntt { inverse: false, .. }));
    }

    #[test]
    fn serialising_round_trips() {
        let job = RawJob::Poseidon { arity: 3, inputs: None, random: Some(RandomInputs { size: 5, seed: 9 }) };
        let text = serde_json::to_string(&job).unwrap();
        assert!(text.contains(r#""kind":"poseidon""#), "{text}");
        assert_eq!(parse(&text).unwrap(), job);
    }

    #[test]
    fn unknown_fields_kinds_and_wrong_types_are_rejected() {
        for (body, expect) in [
            (r#"{"kind":"msm","bases":[],"scalars":[],"extra":1}"#, "unknown field `extra`"),
            (r#"{"kind":"ntt","values":["1"],"invers":true}"#, "unknown field `invers`"),
            (r#"{"kind":"merkle","random":{"size":4,"seed":1,"sede":2}}"#, "unknown field `sede`"),
            (r#"{"kind":"fft","values":["1"]}"#, "unknown variant `fft`"),
            (r#"{"values":["1"]}"#, "missing field `kind`"),
            (r#"{"kind":"poseidon","inputs":[["1"]]}"#, "missing field `arity`"),
            (r#"{"kind":"msm","bases":[["1","2","1"]],"scalars":["1"]}"#, "invalid length"),
            (r#"{"kind":"ntt","values":[1,2]}"#, "invalid type"),
            (r#"{"kind":"merkle","random":{"size":-4,"seed":1}}"#, "invalid value"),
            ("[1,2]", "not a valid raw job"),
        ] {
            match parse(body) {
                Err(RawJobError::Invalid(message)) => assert!(message.contains(expect), "{body}: {message}"),
                other => panic!("{body}: expected Invalid, got {other:?}"),
            }
        }
    }
}
