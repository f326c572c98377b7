//! The snarkjs Groth16 proving key (`.zkey`) reader.
//!
//! The section table is read by seeking; the header is parsed and every section size is checked
//! against its counts before anything large is allocated; then one sequential pass reads each
//! section through a reusable buffer and decodes it in parallel straight into the key's final
//! vectors (see [`super::stream`]). Every point is checked to be on the curve; G2 points are
//! also checked to be in the subgroup, unless the validation cache says this exact file (by
//! SHA-256) passed before.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G2Affine};
use rayon::prelude::*;

use super::container::{ByteCursor, Container, SectionLoc};
use super::error::{FileKind, FormatError, Section};
use super::field_bytes::{bn254_q_bytes, bn254_r_bytes, decimal, fr_from_r2_scaled, FIELD_BYTES};
use super::points::{decode_g1, decode_g2, g2_in_subgroup, G1_BYTES, G2_BYTES};
use super::validation_cache;
use crate::groth16::key::{Coefficient, Matrix, ProvingKey};

const KIND: FileKind = FileKind::Zkey;

/// Section 1: the protocol id.
pub const PROTOCOL: Section = Section { id: 1, name: "protocol" };
/// Section 2: the Groth16 header.
pub const HEADER: Section = Section { id: 2, name: "Groth16 header" };
/// Section 3: the IC points.
pub const IC: Section = Section { id: 3, name: "IC" };
/// Section 4: the A and B coefficients.
pub const COEFFICIENTS: Section = Section { id: 4, name: "coefficients" };
/// Section 5: the A query.
pub const A_QUERY: Section = Section { id: 5, name: "A query" };
/// Section 6: the B query over G1.
pub const B1_QUERY: Section = Section { id: 6, name: "B1 query" };
/// Section 7: the B query over G2.
pub const B2_QUERY: Section = Section { id: 7, name: "B2 query" };
/// Section 8: the C query.
pub const C_QUERY: Section = Section { id: 8, name: "C query" };
/// Section 9: the H query.
pub const H_QUERY: Section = Section { id: 9, name: "H query" };

/// Size of section 2 for BN254 (two 32-byte primes, three G1 and three G2 points).
pub const HEADER_BYTES: u64 = 4 + 32 + 4 + 32 + 4 + 4 + 4 + 3 * G1_BYTES as u64 + 3 * G2_BYTES as u64;
/// Bytes of one coefficient record in section 4: matrix, constraint, signal, value.
pub const COEFFICIENT_BYTES: usize = 12 + FIELD_BYTES;

/// How [`read_zkey`] treats the validation cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZkeyOptions {
    /// Directory of markers for keys that passed every check; the G2 subgroup checks are skipped
    /// for a file whose SHA-256 has a marker there, and a marker is written after a full check.
    /// `None`: always check everything, and do not hash the file.
    ///
    /// Default: [`validation_cache::default_cache_dir`] (`$ZKACCEL_CACHE_DIR/validated-keys`,
    /// else `<XDG_CACHE_HOME or ~/.cache>/zkaccel/validated-keys`).
    pub validation_cache: Option<PathBuf>,
}

impl Default for ZkeyOptions {
    fn default() -> Self {
        ZkeyOptions { validation_cache: validation_cache::default_cache_dir() }
    }
}

impl ZkeyOptions {
    /// Options that check every point on every load and touch no cache.
    pub fn no_cache() -> Self {
        ZkeyOptions { validation_cache: None }
    }
}

/// Reads and validates a snarkjs Groth16 `.zkey` file.
pub fn read_zkey(path: &Path, options: &ZkeyOptions) -> Result<ProvingKey, FormatError> {
    read_zkey_from(FormatError::open(path)?, options)
}

/// The parsed section 2, before the big sections are read.
struct Header {
    n_vars: u32,
    n_public: u32,
    domain_size: u32,
    points_g1: [G1Affine; 3],
    points_g2: [G2Affine; 3],
}

/// Reads and validates a snarkjs Groth16 `.zkey` from any seekable reader.
pub fn read_zkey_from<R: Read + Seek>(mut reader: R, options: &ZkeyOptions) -> Result<ProvingKey, FormatError> {
    let container = Container::read(&mut reader, KIND, *b"zkey", 1)?;
    let protocol = container.read_small(&mut reader, PROTOCOL, 4)?;
    let protocol = ByteCursor::new(&protocol, KIND, PROTOCOL.name).u32()?;
    if protocol != 1 {
        return Err(FormatError::NotGroth16 { found: protocol });
    }
    let header_bytes = container.read_small(&mut reader, HEADER, 4096)?;
    let header = parse_header(&header_bytes)?;
    let (n_vars, n_public, domain) = (header.n_vars as u64, header.n_public as u64, header.domain_size as u64);
    let n_private = n_vars - n_public - 1; // n_public < n_vars: checked in parse_header

    // Every size against the header before anything is allocated.
    let coeff_loc = container.section(COEFFICIENTS)?;
    let mut coeff_count = [0u8; 4];
    if coeff_loc.size >= 4 {
        reader.seek(std::io::SeekFrom::Start(coeff_loc.offset))?;
        super::container::read_exact_or(&mut reader, &mut coeff_count, KIND, COEFFICIENTS.name, coeff_loc.size)?;
    }
    let coeff_count = u64::from(u32::from_le_bytes(coeff_count));
    let expect = |section: Section, expected: u64, detail: String| -> Result<SectionLoc, FormatError> {
        let loc = container.section(section)?;
        if loc.size != expected {
            return Err(FormatError::SectionSize { kind: KIND, section, expected, found: loc.size, detail });
        }
        Ok(loc)
    };
    expect(IC, (n_public + 1) * 64, format!("(nPublic + 1) = {} G1 points", n_public + 1))?;
    expect(
        COEFFICIENTS,
        4 + coeff_count * COEFFICIENT_BYTES as u64,
        format!("4 + count {coeff_count} × {COEFFICIENT_BYTES}"),
    )?;
    expect(A_QUERY, n_vars * 64, format!("nVars = {n_vars} G1 points"))?;
    expect(B1_QUERY, n_vars * 64, format!("nVars = {n_vars} G1 points"))?;
    expect(B2_QUERY, n_vars * 128, format!("nVars = {n_vars} G2 points"))?;
    expect(C_QUERY, n_private * 64, format!("nVars − nPublic − 1 = {n_private} G1 points"))?;
    expect(H_QUERY, domain * 64, format!("domainSize = {domain} G1 points"))?;

    // Sizes are bounded by the file length now, so these allocations are too.
    let as_len = |n: u64| usize::try_from(n).unwrap_or(0);
    let mut ic = vec![G1Affine::identity(); as_len(n_public + 1)];
    let dummy = Coefficient { matrix: Matrix::A, constraint: 0, signal: 0, value: Fr::from(0u64) };
    let mut coefficients = vec![dummy; as_len(coeff_count)];
    let mut a_query = g1_arc(as_len(n_vars));
    let mut b1_query = g1_arc(as_len(n_vars));
    let mut b2_query: Arc<[G2Affine]> = (0..as_len(n_vars)).map(|_| G2Affine::identity()).collect();
    let mut c_query = g1_arc(as_len(n_private));
    let mut h_query = g1_arc(as_len(domain));

    let mut stream = super::stream::Stream::new(reader, KIND, container.file_len, options.validation_cache.is_some())?;
    let mut order: Vec<(u32, SectionLoc)> = container.sections.iter().map(|(id, loc)| (*id, *loc)).collect();
    order.sort_by_key(|(_, loc)| loc.offset);
    let g1 = |section: Section| move |b: &[u8], i: u64| decode_g1(b).map_err(|e| e.at(section, i, "G1"));
    for (id, loc) in order {
        match id {
            3 => stream.decode_into(loc, 0, G1_BYTES, &mut ic, IC.name, g1(IC))?,
            4 => {
                let coeff = |b: &[u8], i: u64| decode_coefficient(b, i, &header);
                stream.decode_into(loc, 4, COEFFICIENT_BYTES, &mut coefficients, COEFFICIENTS.name, coeff)?
            }
            5 => stream.decode_into(loc, 0, G1_BYTES, slice_of(&mut a_query)?, A_QUERY.name, g1(A_QUERY))?,
            6 => stream.decode_into(loc, 0, G1_BYTES, slice_of(&mut b1_query)?, B1_QUERY.name, g1(B1_QUERY))?,
            7 => {
                let g2 = |b: &[u8], i: u64| decode_g2(b).map_err(|e| e.at(B2_QUERY, i, "G2"));
                stream.decode_into(loc, 0, G2_BYTES, slice_of(&mut b2_query)?, B2_QUERY.name, g2)?
            }
            8 => stream.decode_into(loc, 0, G1_BYTES, slice_of(&mut c_query)?, C_QUERY.name, g1(C_QUERY))?,
            9 => stream.decode_into(loc, 0, G1_BYTES, slice_of(&mut h_query)?, H_QUERY.name, g1(H_QUERY))?,
            _ => {} // header sections (parsed above) and others (e.g. 10, contributions): hashed only
        }
        stream.advance_to(loc.offset + loc.size)?;
    }
    stream.advance_to(container.file_len)?;
    let digest = stream.finish();

    let cached = match (&options.validation_cache, &digest) {
        (Some(dir), Some(d)) => validation_cache::is_validated(dir, d),
        _ => false,
    };
    if !cached {
        check_g2_subgroups(&header.points_g2, &b2_query)?;
        if let (Some(dir), Some(d)) = (&options.validation_cache, &digest) {
            validation_cache::mark_validated(dir, d);
        }
    }

    let [alpha1, beta1, delta1] = header.points_g1;
    let [beta2, gamma2, delta2] = header.points_g2;
    Ok(ProvingKey {
        n_vars: as_len(n_vars),
        n_public: as_len(n_public),
        domain_size: as_len(domain),
        alpha1,
        beta1,
        beta2,
        gamma2,
        delta1,
        delta2,
        ic,
        coefficients,
        a_query,
        b1_query,
        b2_query,
        c_query,
        h_query,
    })
}

/// An `Arc<[G1Affine]>` of `n` identities, allocated once (a `TrustedLen` iterator lets the
/// standard library size the `Arc` exactly, so no `Vec` is copied into it).
fn g1_arc(n: usize) -> Arc<[G1Affine]> {
    (0..n).map(|_| G1Affine::identity()).collect()
}

/// Mutable access to a freshly built, unshared `Arc` slice.
fn slice_of<T>(arc: &mut Arc<[T]>) -> Result<&mut [T], FormatError> {
    Arc::get_mut(arc).ok_or_else(|| FormatError::Io(std::io::Error::other("internal: key buffer is shared")))
}

/// Parses section 2: primes, counts and the six header points (checked on the curve).
fn parse_header(bytes: &[u8]) -> Result<Header, FormatError> {
    let mut c = ByteCursor::new(bytes, KIND, HEADER.name);
    let n8q = c.u32()?;
    let q = c.take(n8q as usize)?;
    let n8r = c.u32()?;
    let r = c.take(n8r as usize)?;
    if q != bn254_q_bytes() || r != bn254_r_bytes() {
        return Err(FormatError::UnsupportedCurve { q: decimal(q), r: decimal(r) });
    }
    let found = bytes.len() as u64;
    if found != HEADER_BYTES {
        return Err(FormatError::SectionSize {
            kind: KIND,
            section: HEADER,
            expected: HEADER_BYTES,
            found,
            detail: "BN254 header: primes, counts, 3 G1 and 3 G2 points".into(),
        });
    }
    let n_vars = c.u32()?;
    let n_public = c.u32()?;
    let domain_size = c.u32()?;
    let bad = |message: String| FormatError::BadHeader { kind: KIND, section: HEADER, message };
    if u64::from(n_public) + 1 > u64::from(n_vars) {
        return Err(bad(format!("nPublic = {n_public} needs nVars > nPublic, found nVars = {n_vars}")));
    }
    if !domain_size.is_power_of_two() {
        return Err(bad(format!("domainSize = {domain_size} is not a power of two")));
    }
    // Header points are numbered 0..6 in file order: alpha1, beta1, beta2, gamma2, delta1, delta2.
    let mut g1 =
        |i: u64| -> Result<G1Affine, FormatError> { decode_g1(c.take(G1_BYTES)?).map_err(|e| e.at(HEADER, i, "G1")) };
    let alpha1 = g1(0)?;
    let beta1 = g1(1)?;
    let mut g2s = [G2Affine::identity(); 3];
    for (slot, i) in g2s.iter_mut().zip([2u64, 3]) {
        *slot = decode_g2(c.take(G2_BYTES)?).map_err(|e| e.at(HEADER, i, "G2"))?;
    }
    let delta1 = decode_g1(c.take(G1_BYTES)?).map_err(|e| e.at(HEADER, 4, "G1"))?;
    g2s[2] = decode_g2(c.take(G2_BYTES)?).map_err(|e| e.at(HEADER, 5, "G2"))?;
    Ok(Header { n_vars, n_public, domain_size, points_g1: [alpha1, beta1, delta1], points_g2: g2s })
}

/// Decodes coefficient record `index` of section 4 and checks its ranges.
fn decode_coefficient(b: &[u8], index: u64, header: &Header) -> Result<Coefficient, FormatError> {
    let mut c = ByteCursor::new(b, KIND, COEFFICIENTS.name);
    let bad = |message: String| FormatError::BadEntry { kind: KIND, section: COEFFICIENTS, index, message };
    let matrix = match c.u32()? {
        0 => Matrix::A,
        1 => Matrix::B,
        m => return Err(bad(format!("matrix {m}, expected 0 (A) or 1 (B)"))),
    };
    let constraint = c.u32()?;
    if constraint >= header.domain_size {
        return Err(bad(format!("constraint {constraint} is not below domainSize = {}", header.domain_size)));
    }
    let signal = c.u32()?;
    if signal >= header.n_vars {
        return Err(bad(format!("signal {signal} is not below nVars = {}", header.n_vars)));
    }
    let value = fr_from_r2_scaled(c.take(FIELD_BYTES)?).ok_or(FormatError::NonCanonical {
        kind: KIND,
        section: COEFFICIENTS,
        item: "coefficient",
        index,
        coordinate: "value",
        field: "Fr",
    })?;
    Ok(Coefficient { matrix, constraint, signal, value })
}

/// The G2 subgroup checks, in parallel: header points first, then the B2 query.
fn check_g2_subgroups(header: &[G2Affine; 3], b2: &[G2Affine]) -> Result<(), FormatError> {
    if let Some(i) = header.iter().position(|p| !g2_in_subgroup(p)) {
        let index = [2u64, 3, 5].get(i).copied().unwrap_or(0);
        return Err(FormatError::NotInSubgroup { section: HEADER, index });
    }
    match b2.par_iter().position_first(|p| !g2_in_subgroup(p)) {
        Some(i) => Err(FormatError::NotInSubgroup { section: B2_QUERY, index: i as u64 }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groth16::format::testing::{random_proving_key, zkey_bytes};
    use std::io::Cursor;

    #[test]
    fn round_trip_random_key() {
        let mut rng = ark_std::test_rng();
        let key = random_proving_key(&mut rng, 40, 3, 64, 100);
        let read = read_zkey_from(Cursor::new(zkey_bytes(&key)), &ZkeyOptions::no_cache()).expect("valid key");
        assert_eq!(&key, &read);
    }

    #[test]
    fn cache_marker_written_and_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = ZkeyOptions { validation_cache: Some(dir.path().to_path_buf()) };
        let mut rng = ark_std::test_rng();
        let key = random_proving_key(&mut rng, 10, 1, 16, 10);
        let bytes = zkey_bytes(&key);
        read_zkey_from(Cursor::new(&bytes), &options).expect("first load");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "one marker");
        let read = read_zkey_from(Cursor::new(&bytes), &options).expect("cached load");
        assert_eq!(&key, &read);
    }
}
