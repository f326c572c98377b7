//! Writes a [`ProvingKey`] as a snarkjs Groth16 `.zkey` (version 1, sections 1–10), streamed
//! section by section so a key of any size is written without a second copy in memory.
//!
//! Section 10 (the contributions transcript) is written empty: the key did not come from a
//! ceremony, and `snarkjs zkey verify` rejects it, while `snarkjs groth16 prove` and zkaccel's
//! reader accept it.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use ark_bn254::{G1Affine, G2Affine};

use super::field_bytes::{bn254_q_bytes, bn254_r_bytes, fr_to_r2_scaled};
use super::points::{encode_g1, encode_g2, G1_BYTES, G2_BYTES};
use crate::groth16::key::{Coefficient, Matrix, ProvingKey};

/// Bytes of one section-4 record: matrix, constraint, signal (u32 each) and the coefficient.
const COEFFICIENT_BYTES: u64 = 12 + 32;
/// Section 10's body: a 64-byte transcript hash (zero) and a contribution count (zero).
const EMPTY_CONTRIBUTIONS: [u8; 68] = [0; 68];

/// Section 2 (the Groth16 header) of a zkey for `key`, with the given primes.
pub fn header_section(key: &ProvingKey, q: &[u8], r: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&(q.len() as u32).to_le_bytes());
    h.extend_from_slice(q);
    h.extend_from_slice(&(r.len() as u32).to_le_bytes());
    h.extend_from_slice(r);
    for n in [key.n_vars, key.n_public, key.domain_size] {
        h.extend_from_slice(&(n as u32).to_le_bytes());
    }
    h.extend_from_slice(&encode_g1(&key.alpha1));
    h.extend_from_slice(&encode_g1(&key.beta1));
    h.extend_from_slice(&encode_g2(&key.beta2));
    h.extend_from_slice(&encode_g2(&key.gamma2));
    h.extend_from_slice(&encode_g1(&key.delta1));
    h.extend_from_slice(&encode_g2(&key.delta2));
    h
}

/// One section-4 record: matrix id (A = 0, B = 1), constraint, signal, then c·R² mod r.
pub fn coefficient_record(c: &Coefficient) -> [u8; COEFFICIENT_BYTES as usize] {
    let mut out = [0u8; COEFFICIENT_BYTES as usize];
    let matrix: u32 = match c.matrix {
        Matrix::A => 0,
        Matrix::B => 1,
    };
    out[0..4].copy_from_slice(&matrix.to_le_bytes());
    out[4..8].copy_from_slice(&c.constraint.to_le_bytes());
    out[8..12].copy_from_slice(&c.signal.to_le_bytes());
    out[12..].copy_from_slice(&fr_to_r2_scaled(&c.value));
    out
}

fn section_start(w: &mut impl Write, id: u32, len: u64) -> io::Result<()> {
    w.write_all(&id.to_le_bytes())?;
    w.write_all(&len.to_le_bytes())
}

fn g1_section(w: &mut impl Write, id: u32, points: &[G1Affine]) -> io::Result<()> {
    section_start(w, id, (points.len() * G1_BYTES) as u64)?;
    points.iter().try_for_each(|p| w.write_all(&encode_g1(p)))
}

fn g2_section(w: &mut impl Write, id: u32, points: &[G2Affine]) -> io::Result<()> {
    section_start(w, id, (points.len() * G2_BYTES) as u64)?;
    points.iter().try_for_each(|p| w.write_all(&encode_g2(p)))
}

/// Writes `key` as a `.zkey` to `w`.
pub fn write_zkey(key: &ProvingKey, mut w: impl Write) -> io::Result<()> {
    let too_big = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("{what} does not fit a zkey's u32"));
    let n_coefficients = u32::try_from(key.coefficients.len()).map_err(|_| too_big("the coefficient count"))?;
    for n in [key.n_vars, key.n_public, key.domain_size] {
        u32::try_from(n).map_err(|_| too_big("a header count"))?;
    }
    w.write_all(b"zkey")?;
    w.write_all(&1u32.to_le_bytes())?;
    w.write_all(&10u32.to_le_bytes())?;
    // Section 1: the protocol (1 = Groth16).
    section_start(&mut w, 1, 4)?;
    w.write_all(&1u32.to_le_bytes())?;
    let header = header_section(key, &bn254_q_bytes(), &bn254_r_bytes());
    section_start(&mut w, 2, header.len() as u64)?;
    w.write_all(&header)?;
    g1_section(&mut w, 3, &key.ic)?;
    section_start(&mut w, 4, 4 + u64::from(n_coefficients) * COEFFICIENT_BYTES)?;
    w.write_all(&n_coefficients.to_le_bytes())?;
    key.coefficients.iter().try_for_each(|c| w.write_all(&coefficient_record(c)))?;
    g1_section(&mut w, 5, &key.a_query)?;
    g1_section(&mut w, 6, &key.b1_query)?;
    g2_section(&mut w, 7, &key.b2_query)?;
    g1_section(&mut w, 8, &key.c_query)?;
    g1_section(&mut w, 9, &key.h_query)?;
    section_start(&mut w, 10, EMPTY_CONTRIBUTIONS.len() as u64)?;
    w.write_all(&EMPTY_CONTRIBUTIONS)?;
    w.flush()
}

/// Writes `key` to `path` atomically: into a temporary file beside it, synced, then renamed
/// over `path`, so a crash never leaves a truncated key under that name.
pub fn write_zkey_file(key: &ProvingKey, path: &Path) -> io::Result<()> {
    let mut writer = BufWriter::with_capacity(1 << 20, crate::atomic_file::temp_beside(path)?);
    write_zkey(key, &mut writer)?;
    let temp = writer.into_inner().map_err(|e| e.into_error())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::groth16::format::testing::{random_proving_key, zkey_bytes};
    use crate::groth16::format::{read_zkey_from, ZkeyOptions};

    #[test]
    fn written_keys_read_back_equal_and_match_the_section_builder() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (n_vars, n_public, domain, n_coefficients) in [(10, 1, 16, 10), (3, 2, 4, 0), (40, 0, 64, 90)] {
            let key = random_proving_key(&mut rng, n_vars, n_public, domain, n_coefficients);
            let mut bytes = Vec::new();
            write_zkey(&key, &mut bytes).unwrap();
            assert_eq!(bytes, zkey_bytes(&key), "n_vars {n_vars}");
            let back = read_zkey_from(Cursor::new(bytes), &ZkeyOptions::no_cache()).unwrap();
            assert_eq!(back, key, "n_vars {n_vars}");
        }
    }

    #[test]
    fn a_failing_writer_is_an_error_not_a_panic() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.0 < buf.len() {
                    return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
                }
                self.0 -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let key = random_proving_key(&mut ChaCha8Rng::seed_from_u64(6), 10, 1, 16, 10);
        let err = write_zkey(&key, Full(500)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn files_are_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("circuit.zkey");
        std::fs::write(&path, b"old").unwrap();
        let key = random_proving_key(&mut ChaCha8Rng::seed_from_u64(7), 12, 2, 16, 20);
        write_zkey_file(&key, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), zkey_bytes(&key));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
        let missing = write_zkey_file(&key, &dir.path().join("no/such/dir/k.zkey")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
