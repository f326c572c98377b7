//! circom witness files (`.wtns`, version 2): reading with prime and range checks, and writing.
//!
//! A witness is returned as a plain `Vec<Fr>` (index 0 is the constant 1, then the public
//! signals, then the private ones): that is what the prover consumes, and a wrapper type would
//! add nothing.

use std::io::{self, Read, Seek, Write};
use std::path::Path;

use ark_bn254::Fr;

use super::container::{ByteCursor, Container};
use super::error::{FileKind, FormatError, Section};
use super::field_bytes::{bn254_r_bytes, fr_from_standard, fr_to_standard, FIELD_BYTES};
use super::stream::Stream;
use crate::groth16::key::ProvingKey;

const KIND: FileKind = FileKind::Wtns;
/// Section 1: field size, prime and witness count.
pub const HEADER: Section = Section { id: 1, name: "witness header" };
/// Section 2: the witness values.
pub const VALUES: Section = Section { id: 2, name: "witness values" };

/// Reads a `.wtns` file: every value checked to be below BN254's r.
pub fn read_wtns(path: &Path) -> Result<Vec<Fr>, FormatError> {
    read_wtns_from(FormatError::open(path)?)
}

/// Reads a `.wtns` from any seekable reader.
pub fn read_wtns_from<R: Read + Seek>(mut reader: R) -> Result<Vec<Fr>, FormatError> {
    let container = Container::read(&mut reader, KIND, *b"wtns", 2)?;
    let header = container.read_small(&mut reader, HEADER, 4096)?;
    let mut c = ByteCursor::new(&header, KIND, HEADER.name);
    c.expect_bn254_r()?;
    let count = c.u32()?;
    if c.remaining() != 0 {
        return Err(FormatError::SectionSize {
            kind: KIND,
            section: HEADER,
            expected: 40,
            found: header.len() as u64,
            detail: "n8, prime, count".into(),
        });
    }
    let loc = container.section(VALUES)?;
    let expected = u64::from(count) * FIELD_BYTES as u64;
    if loc.size != expected {
        return Err(FormatError::SectionSize {
            kind: KIND,
            section: VALUES,
            expected,
            found: loc.size,
            detail: format!("count {count} × 32"),
        });
    }
    // Bounded by the file length (checked above).
    let mut values = vec![Fr::from(0u64); usize::try_from(count).unwrap_or(0)];
    let mut stream = Stream::new(reader, KIND, container.file_len, false)?;
    stream.decode_into(loc, 0, FIELD_BYTES, &mut values, VALUES.name, |b, index| {
        fr_from_standard(b).ok_or(FormatError::NonCanonical {
            kind: KIND,
            section: VALUES,
            item: "witness value",
            index,
            coordinate: "value",
            field: "Fr",
        })
    })?;
    Ok(values)
}

/// Writes a `.wtns` (version 2, BN254) in the layout circom's witness generators produce.
pub fn write_wtns(values: &[Fr], mut writer: impl Write) -> io::Result<()> {
    let count = u32::try_from(values.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "more than 2^32 − 1 witness values"))?;
    writer.write_all(b"wtns")?;
    writer.write_all(&2u32.to_le_bytes())?;
    writer.write_all(&2u32.to_le_bytes())?;
    writer.write_all(&1u32.to_le_bytes())?;
    writer.write_all(&40u64.to_le_bytes())?;
    writer.write_all(&32u32.to_le_bytes())?;
    writer.write_all(&bn254_r_bytes())?;
    writer.write_all(&count.to_le_bytes())?;
    writer.write_all(&2u32.to_le_bytes())?;
    writer.write_all(&(u64::from(count) * 32).to_le_bytes())?;
    for v in values {
        writer.write_all(&fr_to_standard(v))?;
    }
    writer.flush()
}

/// Checks that a witness has exactly the key's `n_vars` values (its prime was checked on read).
pub fn check_witness_length(witness: &[Fr], key: &ProvingKey) -> Result<(), FormatError> {
    if witness.len() == key.n_vars {
        Ok(())
    } else {
        Err(FormatError::WitnessLength { expected: key.n_vars, found: witness.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::UniformRand;
    use std::io::Cursor;

    #[test]
    fn round_trip() {
        let mut rng = ark_std::test_rng();
        for n in [0usize, 1, 7, 100_000] {
            let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut bytes = Vec::new();
            write_wtns(&values, &mut bytes).expect("write");
            assert_eq!(bytes.len(), 12 + 12 + 40 + 12 + 32 * n);
            assert_eq!(read_wtns_from(Cursor::new(bytes)).expect("read"), values);
        }
    }

    #[test]
    fn rejects_value_not_below_r_and_other_prime() {
        let mut bytes = Vec::new();
        write_wtns(&[Fr::from(1u64), Fr::from(2u64)], &mut bytes).expect("write");
        let mut big = bytes.clone();
        let at = big.len() - 32;
        big[at..].copy_from_slice(&bn254_r_bytes());
        assert!(matches!(
            read_wtns_from(Cursor::new(big)),
            Err(FormatError::NonCanonical { kind: FileKind::Wtns, index: 1, .. })
        ));
        let mut other = bytes;
        other[12 + 12 + 4] ^= 2;
        assert!(matches!(read_wtns_from(Cursor::new(other)), Err(FormatError::WrongPrime { .. })));
    }
}
