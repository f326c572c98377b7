//! The one error type of the Groth16 prover and verifier.

use zkaccel_backends::BackendError;

/// Everything that can go wrong when proving or verifying, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Groth16Error {
    /// A `.zkey`, `.wtns` or `.r1cs` file could not be read or is malformed.
    #[error(transparent)]
    Format(#[from] super::format::FormatError),

    /// The witness has another length than the key's number of variables.
    #[error("the witness has {got} values but the proving key expects {expected}: was the witness computed for this circuit?")]
    WitnessLength {
        /// `n_vars` of the key.
        expected: usize,
        /// Values in the witness.
        got: usize,
    },

    /// Witness value 0 must be the constant 1.
    #[error("witness value 0 must be the constant 1, found {0}: this is not a circom witness")]
    WitnessConstant(String),

    /// The witness does not satisfy the circuit's constraints (from `--check-witness`).
    #[error("the witness does not satisfy the circuit: {0}")]
    Unsatisfied(String),

    /// A device failed and the CPU fallback failed too (or the key is larger than any device).
    #[error("{op} failed: {source}")]
    Backend {
        /// Which step of the proof, e.g. "MSM over the A query".
        op: &'static str,
        /// The backend's error.
        #[source]
        source: BackendError,
    },

    /// Even the proof recomputed on the CPU fails its pairing check: the key and the witness
    /// disagree (a witness that does not satisfy the circuit, or a corrupted key).
    #[error("the proof does not verify, even recomputed on the CPU: the witness does not satisfy the circuit of this key (run with --check-witness CIRCUIT.r1cs to find the failing constraint), or the key is corrupt")]
    ProofRejected,

    /// A JSON file (proof, public signals, verification key) is malformed.
    #[error("{file}: {message}")]
    Json {
        /// Which file, or what kind of file.
        file: String,
        /// What is wrong.
        message: String,
    },

    /// The number of public signals does not match the verification key.
    #[error("{got} public signals given but the verification key expects {expected}")]
    PublicInputCount {
        /// `nPublic` of the key.
        expected: usize,
        /// Signals given.
        got: usize,
    },

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl Groth16Error {
    /// A [`Groth16Error::Json`] for `file`.
    pub fn json(file: impl Into<String>, message: impl Into<String>) -> Self {
        Groth16Error::Json { file: file.into(), message: message.into() }
    }
}

/// Result alias of the Groth16 module.
pub type Result<T, E = Groth16Error> = std::result::Result<T, E>;
