//! Checking a raw job and turning it into typed inputs ready to run.
//!
//! Every check happens here, before any work is queued on a device: exactly one of inline
//! inputs or `random`, the size limit (before anything is parsed or generated), the shapes
//! (equal lengths, powers of two, arity), then each element. Errors name the field and index.

use ark_bn254::{Fr, G1Affine};

use super::field::{parse_fr, parse_g1};
use super::{RandomInputs, RawJob, RawJobError, RawJobLimits};
use crate::bench::workload;

/// Poseidon arities circomlib has constants for.
pub const POSEIDON_ARITIES: std::ops::RangeInclusive<usize> = 1..=16;

/// A checked raw job: typed inputs, ready for [`PreparedRawJob::run`].
#[derive(Debug, Clone, PartialEq)]
pub enum PreparedRawJob {
    /// Σ scalars[i]·bases[i] over G1 (equal lengths, possibly empty).
    Msm {
        /// The points.
        bases: Vec<G1Affine>,
        /// One scalar per point.
        scalars: Vec<Fr>,
    },
    /// An NTT over the plain domain (length a power of two).
    Ntt {
        /// Natural-order input.
        values: Vec<Fr>,
        /// Inverse instead of forward.
        inverse: bool,
    },
    /// Circomlib Poseidon of `inputs.len() / arity` messages.
    Poseidon {
        /// Elements per message, 1 to 16.
        arity: usize,
        /// The messages one after the other.
        inputs: Vec<Fr>,
    },
    /// The root of a Poseidon Merkle tree (a power of two leaves, at least 2).
    Merkle {
        /// The leaves.
        leaves: Vec<Fr>,
    },
}

/// Where a job's inputs come from.
enum Source<'a, T> {
    /// Sent in the body.
    Inline(T),
    /// Generated from a seed.
    Random(&'a RandomInputs),
}

/// The source of a job's inputs: exactly one of `inline` (named `inline_name`) or `random`.
fn source<'a, T>(
    inline: Option<T>,
    random: &'a Option<RandomInputs>,
    inline_name: &str,
) -> Result<Source<'a, T>, RawJobError> {
    match (inline, random) {
        (Some(_), Some(_)) => Err(RawJobError::invalid(format!("give either {inline_name} or random, not both"))),
        (None, None) => Err(RawJobError::invalid(format!("give {inline_name} or random"))),
        (Some(inline), None) => Ok(Source::Inline(inline)),
        (None, Some(random)) => Ok(Source::Random(random)),
    }
}

fn check_size(elements: usize, limits: &RawJobLimits) -> Result<(), RawJobError> {
    if elements > limits.max_elements {
        return Err(RawJobError::TooLarge { elements, limit: limits.max_elements });
    }
    Ok(())
}

fn parse_all(texts: &[String], field: &str) -> Result<Vec<Fr>, RawJobError> {
    texts.iter().enumerate().map(|(i, text)| parse_fr(text, &format!("{field}[{i}]"))).collect()
}

fn check_ntt_len(len: usize, field: &str) -> Result<(), RawJobError> {
    if !len.is_power_of_two() {
        return Err(RawJobError::invalid(format!("{field}: an NTT's length must be a power of two ≥ 1, got {len}")));
    }
    Ok(())
}

fn check_leaf_count(len: usize, field: &str) -> Result<(), RawJobError> {
    if len < 2 || !len.is_power_of_two() {
        return Err(RawJobError::invalid(format!(
            "{field}: a Merkle tree needs a power of two leaves, at least 2, got {len}"
        )));
    }
    Ok(())
}

impl RawJob {
    /// Checks everything and returns typed inputs ready to run.
    ///
    /// Exactly one of the inline inputs or `random` must be given. Field elements are decimal
    /// or `0x`-hex strings below r (never reduced), points are on the curve (`["0", "0"]` is the
    /// identity), MSM bases and scalars have equal lengths (an empty MSM gives the identity), an
    /// NTT's length is a power of two, a Merkle tree has a power of two leaves (at least 2), a
    /// Poseidon arity is 1 to 16 and every row has `arity` elements (no rows give no hashes).
    /// The size limit is checked before anything is parsed or generated. Random inputs depend
    /// only on the seed (ChaCha streams), so a job can be rerun exactly.
    pub fn prepare(&self, limits: &RawJobLimits) -> Result<PreparedRawJob, RawJobError> {
        match self {
            RawJob::Msm { bases, scalars, random } => prepare_msm(bases.as_ref(), scalars.as_ref(), random, limits),
            RawJob::Ntt { values, inverse, random } => {
                Ok(PreparedRawJob::Ntt { values: prepare_ntt(values.as_ref(), random, limits)?, inverse: *inverse })
            }
            RawJob::Poseidon { arity, inputs, random } => prepare_poseidon(*arity, inputs.as_ref(), random, limits),
            RawJob::Merkle { leaves, random } => {
                Ok(PreparedRawJob::Merkle { leaves: prepare_merkle(leaves.as_ref(), random, limits)? })
            }
        }
    }
}

fn prepare_msm(
    bases: Option<&Vec<[String; 2]>>,
    scalars: Option<&Vec<String>>,
    random: &Option<RandomInputs>,
    limits: &RawJobLimits,
) -> Result<PreparedRawJob, RawJobError> {
    if random.is_some() && (bases.is_some() || scalars.is_some()) {
        return Err(RawJobError::invalid("give either bases and scalars or random, not both"));
    }
    let inline = match (bases, scalars) {
        (Some(bases), Some(scalars)) => Some((bases, scalars)),
        (None, None) => None,
        (Some(_), None) => return Err(RawJobError::invalid("scalars: missing (bases were given)")),
        (None, Some(_)) => return Err(RawJobError::invalid("bases: missing (scalars were given)")),
    };
    match source(inline, random, "bases and scalars")? {
        Source::Inline((bases, scalars)) => {
            if bases.len() != scalars.len() {
                return Err(RawJobError::invalid(format!(
                    "bases has {} points but scalars has {} values; they must match",
                    bases.len(),
                    scalars.len()
                )));
            }
            check_size(bases.len(), limits)?;
            let bases = bases
                .iter()
                .enumerate()
                .map(|(i, point)| parse_g1(point, &format!("bases[{i}]")))
                .collect::<Result<_, _>>()?;
            Ok(PreparedRawJob::Msm { bases, scalars: parse_all(scalars, "scalars")? })
        }
        Source::Random(&RandomInputs { size, seed }) => {
            check_size(size, limits)?;
            Ok(PreparedRawJob::Msm { bases: workload::g1_points(size, seed), scalars: workload::scalars(size, seed) })
        }
    }
}

fn prepare_ntt(
    values: Option<&Vec<String>>,
    random: &Option<RandomInputs>,
    limits: &RawJobLimits,
) -> Result<Vec<Fr>, RawJobError> {
    match source(values, random, "values")? {
        Source::Inline(values) => {
            check_size(values.len(), limits)?;
            check_ntt_len(values.len(), "values")?;
            parse_all(values, "values")
        }
        Source::Random(&RandomInputs { size, seed }) => {
            check_size(size, limits)?;
            check_ntt_len(size, "random.size")?;
            Ok(workload::ntt_input(size, seed))
        }
    }
}

fn prepare_poseidon(
    arity: usize,
    inputs: Option<&Vec<Vec<String>>>,
    random: &Option<RandomInputs>,
    limits: &RawJobLimits,
) -> Result<PreparedRawJob, RawJobError> {
    if !POSEIDON_ARITIES.contains(&arity) {
        return Err(RawJobError::invalid(format!("arity: must be 1 to 16 (circomlib), got {arity}")));
    }
    let inputs = match source(inputs, random, "inputs")? {
        Source::Inline(rows) => {
            check_size(rows.len().saturating_mul(arity), limits)?;
            let mut flat = Vec::with_capacity(rows.len() * arity);
            for (i, row) in rows.iter().enumerate() {
                if row.len() != arity {
                    return Err(RawJobError::invalid(format!(
                        "inputs[{i}]: has {} elements but the arity is {arity}",
                        row.len()
                    )));
                }
                for (j, text) in row.iter().enumerate() {
                    flat.push(parse_fr(text, &format!("inputs[{i}][{j}]"))?);
                }
            }
            flat
        }
        Source::Random(&RandomInputs { size, seed }) => {
            check_size(size.saturating_mul(arity), limits)?;
            workload::poseidon_messages(size, arity, seed)
        }
    };
    Ok(PreparedRawJob::Poseidon { arity, inputs })
}

fn prepare_merkle(
    leaves: Option<&Vec<String>>,
    random: &Option<RandomInputs>,
    limits: &RawJobLimits,
) -> Result<Vec<Fr>, RawJobError> {
    match source(leaves, random, "leaves")? {
        Source::Inline(leaves) => {
            check_size(leaves.len(), limits)?;
            check_leaf_count(leaves.len(), "leaves")?;
            parse_all(leaves, "leaves")
        }
        Source::Random(&RandomInputs { size, seed }) => {
            check_size(size, limits)?;
            check_leaf_count(size, "random.size")?;
            Ok(workload::merkle_leaves(size, seed))
        }
    }
}
