//! circom constraint systems (`.r1cs`, version 1): the header counts and the constraints
//! (A·w ∘ B·w = C·w), with coefficients in standard form; plus a witness check that names the
//! first unsatisfied constraint.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use ark_bn254::Fr;
use ark_ff::Zero;

use super::container::{read_exact_or, ByteCursor, Container};
use super::error::{FileKind, FormatError, Section};
use super::field_bytes::{fr_from_standard, FIELD_BYTES};

const KIND: FileKind = FileKind::R1cs;
/// Section 1: the header.
pub const HEADER: Section = Section { id: 1, name: "R1CS header" };
/// Section 2: the constraints.
pub const CONSTRAINTS: Section = Section { id: 2, name: "constraints" };
/// Section 3: the wire-to-label map.
pub const WIRE_TO_LABEL: Section = Section { id: 3, name: "wire-to-label map" };
/// Size of the BN254 header section.
pub const HEADER_BYTES: usize = 4 + 32 + 4 * 4 + 8 + 4;

/// One linear combination: `(wire, coefficient)` terms.
pub type LinearCombination = Vec<(u32, Fr)>;

/// One constraint A·w × B·w = C·w.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Constraint {
    /// Terms of A.
    pub a: LinearCombination,
    /// Terms of B.
    pub b: LinearCombination,
    /// Terms of C.
    pub c: LinearCombination,
}

/// A circom constraint system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R1cs {
    /// Number of wires (witness values), the constant 1 included.
    pub n_wires: u32,
    /// Number of public outputs.
    pub n_pub_out: u32,
    /// Number of public inputs.
    pub n_pub_in: u32,
    /// Number of private inputs.
    pub n_prv_in: u32,
    /// Number of labels (signals before optimisation).
    pub n_labels: u64,
    /// The constraints, in file order.
    pub constraints: Vec<Constraint>,
}

/// Why a witness does not satisfy a constraint system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsatisfiedWitness {
    /// The witness has the wrong number of values.
    #[error("witness has {found} values, the constraint system has {expected} wires")]
    Length {
        /// `n_wires`.
        expected: usize,
        /// The witness length.
        found: usize,
    },
    /// A constraint does not hold.
    #[error("constraint {index} fails: A·w = {a}, B·w = {b}, A·w × B·w ≠ C·w = {c}")]
    Constraint {
        /// Index of the first failing constraint.
        index: usize,
        /// A·w.
        a: Fr,
        /// B·w.
        b: Fr,
        /// C·w.
        c: Fr,
    },
}

impl R1cs {
    /// Number of public signals (outputs then inputs), as in a zkey's `nPublic`.
    pub fn n_public(&self) -> u32 {
        self.n_pub_out.saturating_add(self.n_pub_in)
    }

    /// Checks every constraint against `witness`; reports the first that fails.
    pub fn check_witness(&self, witness: &[Fr]) -> Result<(), UnsatisfiedWitness> {
        if witness.len() != self.n_wires as usize {
            return Err(UnsatisfiedWitness::Length { expected: self.n_wires as usize, found: witness.len() });
        }
        let eval = |lc: &LinearCombination| -> Fr {
            lc.iter().map(|(w, c)| witness.get(*w as usize).map_or(Fr::zero(), |v| *v * c)).sum()
        };
        for (index, k) in self.constraints.iter().enumerate() {
            let (a, b, c) = (eval(&k.a), eval(&k.b), eval(&k.c));
            if a * b != c {
                return Err(UnsatisfiedWitness::Constraint { index, a, b, c });
            }
        }
        Ok(())
    }
}

/// Reads a `.r1cs` file.
pub fn read_r1cs(path: &Path) -> Result<R1cs, FormatError> {
    read_r1cs_from(FormatError::open(path)?)
}

/// Reads a `.r1cs` from any seekable reader.
pub fn read_r1cs_from<R: Read + Seek>(mut reader: R) -> Result<R1cs, FormatError> {
    let container = Container::read(&mut reader, KIND, *b"r1cs", 1)?;
    let header = container.read_small(&mut reader, HEADER, 4096)?;
    let mut c = ByteCursor::new(&header, KIND, HEADER.name);
    c.expect_bn254_r()?;
    if header.len() != HEADER_BYTES {
        return Err(FormatError::SectionSize {
            kind: KIND,
            section: HEADER,
            expected: HEADER_BYTES as u64,
            found: header.len() as u64,
            detail: "n8, prime, nWires, nPubOut, nPubIn, nPrvIn, nLabels, nConstraints".into(),
        });
    }
    let (n_wires, n_pub_out, n_pub_in, n_prv_in) = (c.u32()?, c.u32()?, c.u32()?, c.u32()?);
    let n_labels = c.u64()?;
    let n_constraints = c.u32()?;
    let declared = 1 + u64::from(n_pub_out) + u64::from(n_pub_in) + u64::from(n_prv_in);
    if declared > u64::from(n_wires) {
        return Err(FormatError::BadHeader {
            kind: KIND,
            section: HEADER,
            message: format!(
                "1 + nPubOut {n_pub_out} + nPubIn {n_pub_in} + nPrvIn {n_prv_in} exceeds nWires {n_wires}"
            ),
        });
    }
    if let Some(loc) = container.sections.get(&WIRE_TO_LABEL.id) {
        let expected = u64::from(n_wires) * 8;
        if loc.size != expected {
            return Err(FormatError::SectionSize {
                kind: KIND,
                section: WIRE_TO_LABEL,
                expected,
                found: loc.size,
                detail: format!("nWires {n_wires} × 8"),
            });
        }
    }

    let loc = container.section(CONSTRAINTS)?;
    // Each constraint takes at least three term counts: bound the allocation by the section.
    if u64::from(n_constraints) * 12 > loc.size {
        return Err(FormatError::SectionSize {
            kind: KIND,
            section: CONSTRAINTS,
            expected: u64::from(n_constraints) * 12,
            found: loc.size,
            detail: format!("at least nConstraints {n_constraints} × 12"),
        });
    }
    reader.seek(SeekFrom::Start(loc.offset))?;
    let mut body = Body { reader: BufReader::with_capacity(1 << 20, reader.take(loc.size)), left: loc.size };
    // A `Constraint` is larger in memory than its 12-byte minimum on disk: grow as parsed rather
    // than trusting the count for a big up-front allocation.
    let mut constraints = Vec::with_capacity((n_constraints as usize).min(1 << 16));
    for index in 0..n_constraints {
        let a = body.linear_combination(index, n_wires)?;
        let b = body.linear_combination(index, n_wires)?;
        let c = body.linear_combination(index, n_wires)?;
        constraints.push(Constraint { a, b, c });
    }
    if body.left != 0 {
        return Err(FormatError::SectionSize {
            kind: KIND,
            section: CONSTRAINTS,
            expected: loc.size - body.left,
            found: loc.size,
            detail: format!("{n_constraints} constraints, with {} bytes left over", body.left),
        });
    }
    Ok(R1cs { n_wires, n_pub_out, n_pub_in, n_prv_in, n_labels, constraints })
}

/// The constraint section, read forward through a buffer, with the bytes left counted.
struct Body<R> {
    reader: R,
    left: u64,
}

impl<R: Read> Body<R> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], FormatError> {
        let mut b = [0u8; N];
        if (N as u64) > self.left {
            return Err(FormatError::Truncated {
                kind: KIND,
                what: CONSTRAINTS.name,
                needed: N as u64,
                available: self.left,
            });
        }
        read_exact_or(&mut self.reader, &mut b, KIND, CONSTRAINTS.name, self.left)?;
        self.left -= N as u64;
        Ok(b)
    }

    fn linear_combination(&mut self, index: u32, n_wires: u32) -> Result<LinearCombination, FormatError> {
        let n_terms = u32::from_le_bytes(self.bytes::<4>()?);
        let term_bytes = 4 + FIELD_BYTES as u64;
        if u64::from(n_terms) * term_bytes > self.left {
            return Err(FormatError::Truncated {
                kind: KIND,
                what: CONSTRAINTS.name,
                needed: u64::from(n_terms) * term_bytes,
                available: self.left,
            });
        }
        let mut terms = Vec::with_capacity(n_terms as usize);
        for _ in 0..n_terms {
            let wire = u32::from_le_bytes(self.bytes::<4>()?);
            if wire >= n_wires {
                return Err(FormatError::BadEntry {
                    kind: KIND,
                    section: CONSTRAINTS,
                    index: u64::from(index),
                    message: format!("wire {wire} is not below nWires = {n_wires}"),
                });
            }
            let value = fr_from_standard(&self.bytes::<32>()?).ok_or(FormatError::NonCanonical {
                kind: KIND,
                section: CONSTRAINTS,
                item: "constraint",
                index: u64::from(index),
                coordinate: "coefficient",
                field: "Fr",
            })?;
            terms.push((wire, value));
        }
        Ok(terms)
    }
}
