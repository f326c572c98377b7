//! The one error type of the file readers: every variant names the file kind, the section and
//! what was expected against what was found, so a user can tell a truncated download from a key
//! made for another curve.

use std::fmt;

/// Which kind of file a reader was parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A snarkjs Groth16 proving key (`.zkey`).
    Zkey,
    /// A circom witness (`.wtns`).
    Wtns,
    /// A circom constraint system (`.r1cs`).
    R1cs,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Zkey => ".zkey",
            FileKind::Wtns => ".wtns",
            FileKind::R1cs => ".r1cs",
        })
    }
}

/// A section of a file, for error messages: its id and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Section {
    /// The section id in the file's section table.
    pub id: u32,
    /// What the section holds (e.g. "B2 query").
    pub name: &'static str,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "section {} ({})", self.id, self.name)
    }
}

/// Why a `.zkey`, `.wtns` or `.r1cs` file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be opened (missing, unreadable, a folder).
    #[error("cannot open {}: {error}", path.display())]
    Open {
        /// The path given.
        path: std::path::PathBuf,
        /// What the operating system said (in the message, so not also a `source`).
        error: std::io::Error,
    },
    /// The operating system failed to seek or read the open file.
    #[error("I/O error: {0}")]
    Io(std::io::Error),
    /// The first four bytes are not the expected magic.
    #[error("{kind}: wrong magic: expected {expected:?}, found {found:?} (not a {kind} file)")]
    BadMagic {
        /// The file kind.
        kind: FileKind,
        /// The expected magic.
        expected: [u8; 4],
        /// The bytes found.
        found: [u8; 4],
    },
    /// The container version is not the one this reader supports.
    #[error("{kind}: unsupported version {found} (expected {expected})")]
    UnsupportedVersion {
        /// The file kind.
        kind: FileKind,
        /// The supported version.
        expected: u32,
        /// The version in the file.
        found: u32,
    },
    /// The file ends before a structure that must be there.
    #[error("{kind}: file truncated while reading {what}: needed {needed} more bytes, {available} left")]
    Truncated {
        /// The file kind.
        kind: FileKind,
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: u64,
        /// Bytes left in the file (or section).
        available: u64,
    },
    /// A section's declared size runs past the end of the file.
    #[error("{kind}: section {id} at offset {offset} declares {size} bytes but the file has only {available} left")]
    SectionPastEnd {
        /// The file kind.
        kind: FileKind,
        /// The section id.
        id: u32,
        /// Offset of the section body.
        offset: u64,
        /// Declared size.
        size: u64,
        /// Bytes left in the file after the section header.
        available: u64,
    },
    /// The same section id appears twice.
    #[error("{kind}: section {id} appears more than once")]
    DuplicateSection {
        /// The file kind.
        kind: FileKind,
        /// The section id.
        id: u32,
    },
    /// A required section is absent.
    #[error("{kind}: {section} is missing")]
    MissingSection {
        /// The file kind.
        kind: FileKind,
        /// The missing section.
        section: Section,
    },
    /// A section's size disagrees with the counts in the header.
    #[error("{kind}: {section} has {found} bytes, expected {expected} ({detail})")]
    SectionSize {
        /// The file kind.
        kind: FileKind,
        /// The section.
        section: Section,
        /// Size implied by the header.
        expected: u64,
        /// Size in the file.
        found: u64,
        /// How the expected size follows from the header.
        detail: String,
    },
    /// Section 1 of a `.zkey` names a protocol other than Groth16 (1).
    #[error(".zkey: protocol {found} is not Groth16 (expected 1; 2 is PLONK, 10 is FFLONK)")]
    NotGroth16 {
        /// The protocol id in the file.
        found: u32,
    },
    /// The primes of a `.zkey` header are not BN254's.
    #[error(".zkey: unsupported curve: base field q = {q}, scalar field r = {r}; only BN254 (bn128) is supported")]
    UnsupportedCurve {
        /// The base-field prime in the file (decimal).
        q: String,
        /// The scalar-field prime in the file (decimal).
        r: String,
    },
    /// A `.wtns` or `.r1cs` over a prime other than BN254's scalar field.
    #[error("{kind}: prime {found} is not BN254's scalar field r = {expected}")]
    WrongPrime {
        /// The file kind.
        kind: FileKind,
        /// The prime in the file (decimal).
        found: String,
        /// BN254's r (decimal).
        expected: String,
    },
    /// A header value is out of range or inconsistent with another.
    #[error("{kind}: {section}: {message}")]
    BadHeader {
        /// The file kind.
        kind: FileKind,
        /// The section.
        section: Section,
        /// What is wrong, with the values.
        message: String,
    },
    /// A field element is not below its modulus (files must be canonical: no silent reduction).
    #[error("{kind}: {section}, {item} #{index}: {coordinate} is not below the {field} modulus")]
    NonCanonical {
        /// The file kind.
        kind: FileKind,
        /// The section.
        section: Section,
        /// What the element belongs to ("point", "coefficient", "witness value", ...).
        item: &'static str,
        /// Index of the item in its section.
        index: u64,
        /// Which coordinate or part ("x", "y.c1", "value").
        coordinate: &'static str,
        /// "Fq" or "Fr".
        field: &'static str,
    },
    /// A point's coordinates do not satisfy the curve equation.
    #[error(".zkey: {section}, point #{index}: not on the BN254 {group} curve")]
    NotOnCurve {
        /// The section.
        section: Section,
        /// Index of the point in its section (header points: 0 = first of the section).
        index: u64,
        /// "G1" or "G2".
        group: &'static str,
    },
    /// A G2 point is on the twist curve but not in the prime-order subgroup.
    #[error(".zkey: {section}, point #{index}: on the curve but not in the G2 prime-order subgroup")]
    NotInSubgroup {
        /// The section.
        section: Section,
        /// Index of the point in its section.
        index: u64,
    },
    /// A coefficient (zkey section 4) or R1CS term names a matrix, constraint or signal out of range.
    #[error("{kind}: {section}, entry #{index}: {message}")]
    BadEntry {
        /// The file kind.
        kind: FileKind,
        /// The section.
        section: Section,
        /// Index of the entry (coefficient index, or constraint index for .r1cs).
        index: u64,
        /// What is out of range, with the bound.
        message: String,
    },
    /// A witness does not fit a proving key.
    #[error("witness has {found} values but the key expects {expected} (nVars)")]
    WitnessLength {
        /// The key's `n_vars`.
        expected: usize,
        /// The witness length.
        found: usize,
    },
}

impl From<std::io::Error> for FormatError {
    fn from(error: std::io::Error) -> Self {
        FormatError::Io(error)
    }
}

impl FormatError {
    /// Opens `path` for reading, naming it in the error.
    pub fn open(path: &std::path::Path) -> Result<std::fs::File, FormatError> {
        let failed = |error| FormatError::Open { path: path.to_path_buf(), error };
        let file = std::fs::File::open(path).map_err(failed)?;
        if file.metadata().map_err(failed)?.is_dir() {
            return Err(failed(std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is a folder, not a file")));
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_names_the_path_once_and_refuses_folders() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.zkey");
        let err = FormatError::open(&missing).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cannot open ") && text.contains("missing.zkey"), "{text}");
        assert!(std::error::Error::source(&err).is_none(), "the cause is in the message, not repeated as a source");
        let folder = FormatError::open(dir.path()).unwrap_err().to_string();
        assert!(folder.contains("folder"), "{folder}");
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        assert!(FormatError::open(&dir.path().join("f")).is_ok());
        let io = FormatError::from(std::io::Error::other("disk on fire"));
        assert_eq!(io.to_string(), "I/O error: disk on fire");
    }
}
