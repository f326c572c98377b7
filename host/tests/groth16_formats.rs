//! The `.zkey` / `.wtns` / `.r1cs` readers on valid files built by the test writer, on every kind
//! of malformed file (each must give its specific error), on random bytes and mutations (never a
//! panic), and on the snarkjs fixtures when they are present.

use std::io::Cursor;

use ark_bn254::{Fr, G1Affine};
use ark_ff::{BigInteger, PrimeField};
use ark_std::UniformRand;
use proptest::prelude::*;
use zkaccel::groth16::format::error::{FileKind, FormatError};
use zkaccel::groth16::format::field_bytes::{bn254_q_bytes, bn254_r_bytes};
use zkaccel::groth16::format::points::{encode_g1, encode_g2};
use zkaccel::groth16::format::r1cs::Constraint;
use zkaccel::groth16::format::testing::{
    assemble, g2_outside_subgroup, r1cs_bytes, r1cs_sections, random_proving_key, zkey_bytes, zkey_coefficients,
    zkey_header, zkey_sections,
};
use zkaccel::groth16::format::{
    check_witness_length, read_r1cs_from, read_wtns, read_wtns_from, read_zkey, read_zkey_from, write_wtns, zkey, R1cs,
    UnsatisfiedWitness, ZkeyOptions,
};
use zkaccel::groth16::key::{Coefficient, Matrix};
use zkaccel::groth16::ProvingKey;

fn no_cache() -> ZkeyOptions {
    ZkeyOptions::no_cache()
}

fn read(bytes: &[u8]) -> Result<ProvingKey, FormatError> {
    read_zkey_from(Cursor::new(bytes), &no_cache())
}

fn small_key() -> ProvingKey {
    random_proving_key(&mut ark_std::test_rng(), 12, 2, 16, 30)
}

/// The sections of `key` with section `id`'s body replaced by `f(body)`.
fn with_section(key: &ProvingKey, id: u32, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut sections = zkey_sections(key);
    if let Some((_, body)) = sections.iter_mut().find(|(i, _)| *i == id) {
        f(body);
    }
    assemble(b"zkey", 1, &sections)
}

// ---------------------------------------------------------------- .zkey: valid files

#[test]
fn zkey_round_trips_random_keys() {
    let mut rng = ark_std::test_rng();
    for (n_vars, n_public, domain, n_coeff) in [(1, 0, 1, 0), (5, 4, 8, 3), (100, 7, 128, 400), (3000, 1, 4096, 9000)] {
        let key = random_proving_key(&mut rng, n_vars, n_public, domain, n_coeff);
        assert_eq!(&key, &read(&zkey_bytes(&key)).expect("valid key"));
    }
}

#[test]
fn zkey_sections_in_any_order_and_unknown_sections_are_skipped() {
    let key = small_key();
    let mut sections = zkey_sections(&key);
    sections.reverse();
    sections.insert(3, (77, vec![1, 2, 3]));
    assert_eq!(&key, &read(&assemble(b"zkey", 1, &sections)).expect("reordered"));
}

#[test]
fn zkey_from_path_and_missing_path() {
    let key = small_key();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("k.zkey");
    std::fs::write(&path, zkey_bytes(&key)).expect("write");
    assert_eq!(&key, &read_zkey(&path, &no_cache()).expect("read"));
    let absent = dir.path().join("absent.zkey");
    match read_zkey(&absent, &no_cache()) {
        Err(FormatError::Open { path, error }) => {
            assert_eq!((path, error.kind()), (absent, std::io::ErrorKind::NotFound));
        }
        other => panic!("expected FormatError::Open, got {other:?}"),
    }
}

#[test]
fn zkey_validation_cache_skips_only_after_a_full_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = ZkeyOptions { validation_cache: Some(dir.path().join("validated")) };
    let mut rng = ark_std::test_rng();
    let key = small_key();
    let bad = with_section(&key, 7, |b| b[128..256].copy_from_slice(&encode_g2(&g2_outside_subgroup(&mut rng))));
    // A failing key leaves no marker, so it fails every time.
    for _ in 0..2 {
        assert!(matches!(read_zkey_from(Cursor::new(&bad), &options), Err(FormatError::NotInSubgroup { .. })));
    }
    assert!(
        !dir.path().join("validated").exists() || std::fs::read_dir(dir.path().join("validated")).unwrap().count() == 0
    );
    let good = zkey_bytes(&key);
    read_zkey_from(Cursor::new(&good), &options).expect("first load");
    let markers: Vec<_> = std::fs::read_dir(dir.path().join("validated")).expect("dir").collect();
    assert_eq!(markers.len(), 1);
    assert_eq!(&key, &read_zkey_from(Cursor::new(&good), &options).expect("cached load"));
    // On-curve checks still run on a cached load of a different (broken) file.
    let off = with_section(&key, 5, |b| b[40] ^= 1);
    assert!(matches!(read_zkey_from(Cursor::new(&off), &options), Err(FormatError::NotOnCurve { .. })));
}

#[test]
fn zkey_default_options_use_the_env_override() {
    // Only this test touches the variable in this binary.
    std::env::set_var("ZKACCEL_CACHE_DIR", "/tmp/zkaccel-test-cache-root");
    let options = ZkeyOptions::default();
    std::env::remove_var("ZKACCEL_CACHE_DIR");
    assert_eq!(options.validation_cache, Some(std::path::PathBuf::from("/tmp/zkaccel-test-cache-root/validated-keys")));
}

// ---------------------------------------------------------------- .zkey: malformed files

#[test]
fn zkey_wrong_magic_and_version() {
    let key = small_key();
    let mut b = zkey_bytes(&key);
    b[0] = b'x';
    assert!(matches!(read(&b), Err(FormatError::BadMagic { kind: FileKind::Zkey, found, .. }) if &found == b"xkey"));
    let b = assemble(b"zkey", 2, &zkey_sections(&key));
    assert!(matches!(read(&b), Err(FormatError::UnsupportedVersion { expected: 1, found: 2, .. })));
    assert!(matches!(read(&zkey_bytes(&key)[..3]), Err(FormatError::Truncated { .. })));
    assert!(matches!(read(&[]), Err(FormatError::Truncated { .. })));
}

#[test]
fn zkey_plonk_protocol_is_rejected() {
    let b = with_section(&small_key(), 1, |b| *b = 2u32.to_le_bytes().to_vec());
    assert!(matches!(read(&b), Err(FormatError::NotGroth16 { found: 2 })));
}

#[test]
fn zkey_other_curves_are_unsupported() {
    let key = small_key();
    // BLS12-381: 48-byte q, 32-byte r.
    let bls_q =
        hex_le("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab");
    let bls_r = hex_le("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
    let b = with_section(&key, 2, |h| *h = zkey_header(&key, &bls_q, &bls_r));
    match read(&b) {
        Err(FormatError::UnsupportedCurve { q, r }) => {
            assert!(q.starts_with("4002409555221667393417789825735904156556882819939007885332058136124031650490837864442687629129015664037894272559787"));
            assert_eq!(r, "52435875175126190479447740508185965837690552500527637822603658699938581184513");
        }
        other => panic!("expected UnsupportedCurve, got {other:?}"),
    }
    // BN254 primes swapped.
    let b = with_section(&key, 2, |h| *h = zkey_header(&key, &bn254_r_bytes(), &bn254_q_bytes()));
    assert!(matches!(read(&b), Err(FormatError::UnsupportedCurve { .. })));
}

/// A big-endian hex string as little-endian bytes.
fn hex_le(s: &str) -> Vec<u8> {
    let mut v: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect();
    v.reverse();
    v
}

#[test]
fn zkey_truncated_at_every_cut_point() {
    let key = random_proving_key(&mut ark_std::test_rng(), 4, 1, 4, 5);
    let full = zkey_bytes(&key);
    for cut in 0..full.len() {
        match read(&full[..cut]) {
            Err(FormatError::Truncated { kind: FileKind::Zkey, .. })
            | Err(FormatError::SectionPastEnd { kind: FileKind::Zkey, .. }) => {}
            other => panic!("cut at {cut} of {}: {other:?}", full.len()),
        }
    }
}

#[test]
fn zkey_section_sizes_must_match_the_header() {
    let key = small_key();
    for (id, delta) in [(3u32, 64i64), (5, -64), (6, 64), (7, -128), (8, 64), (9, -64), (9, 1)] {
        let b = with_section(&key, id, |body| {
            if delta > 0 {
                body.extend(std::iter::repeat_n(0, delta as usize));
            } else {
                body.truncate(body.len() - (-delta) as usize);
            }
        });
        match read(&b) {
            Err(FormatError::SectionSize { kind: FileKind::Zkey, section, expected, found, .. }) => {
                assert_eq!(section.id, id);
                assert_eq!(found as i64 - expected as i64, delta, "section {id}");
            }
            other => panic!("section {id} {delta:+}: {other:?}"),
        }
    }
    // Coefficient count disagreeing with the section size.
    let b = with_section(&key, 4, |body| body[0] += 1);
    assert!(matches!(read(&b), Err(FormatError::SectionSize { section, .. }) if section.id == 4));
    // Header one byte too long.
    let b = with_section(&key, 2, |body| body.push(0));
    assert!(matches!(read(&b), Err(FormatError::SectionSize { section, .. }) if section.id == 2));
}

#[test]
fn zkey_huge_counts_error_before_allocating() {
    let key = small_key();
    for offset in [72usize, 76, 80] {
        // nVars, nPublic, domainSize at 72/76/80 in the header body.
        let b = with_section(&key, 2, |h| h[offset..offset + 4].copy_from_slice(&(1u32 << 31).to_le_bytes()));
        assert!(
            matches!(read(&b), Err(FormatError::SectionSize { .. }) | Err(FormatError::BadHeader { .. })),
            "{offset}"
        );
    }
    let b = with_section(&key, 4, |body| body[..4].copy_from_slice(&u32::MAX.to_le_bytes()));
    assert!(matches!(read(&b), Err(FormatError::SectionSize { .. })));
    // A section size running past the end of the file.
    let mut b = zkey_bytes(&key);
    b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(read(&b), Err(FormatError::SectionPastEnd { id: 1, .. })));
}

#[test]
fn zkey_header_counts_are_checked() {
    let key = small_key();
    let b = with_section(&key, 2, |h| h[80..84].copy_from_slice(&12u32.to_le_bytes()));
    assert!(matches!(read(&b), Err(FormatError::BadHeader { message, .. }) if message.contains("power of two")));
    let b = with_section(&key, 2, |h| h[76..80].copy_from_slice(&12u32.to_le_bytes()));
    assert!(matches!(read(&b), Err(FormatError::BadHeader { message, .. }) if message.contains("nPublic")));
}

#[test]
fn zkey_duplicated_and_missing_sections() {
    let key = small_key();
    let mut sections = zkey_sections(&key);
    let dup = sections[4].clone();
    sections.push(dup);
    assert!(matches!(read(&assemble(b"zkey", 1, &sections)), Err(FormatError::DuplicateSection { id: 5, .. })));
    for id in 1..=9u32 {
        let sections: Vec<_> = zkey_sections(&key).into_iter().filter(|(i, _)| *i != id).collect();
        match read(&assemble(b"zkey", 1, &sections)) {
            Err(FormatError::MissingSection { kind: FileKind::Zkey, section }) => assert_eq!(section.id, id),
            other => panic!("without section {id}: {other:?}"),
        }
    }
    // Section 10 (contributions) is not needed to prove.
    let sections: Vec<_> = zkey_sections(&key).into_iter().filter(|(i, _)| *i != 10).collect();
    assert_eq!(&key, &read(&assemble(b"zkey", 1, &sections)).expect("without section 10"));
}

#[test]
fn zkey_coordinates_not_below_q() {
    let key = small_key();
    // Point 3 of the A query, x := q (non-canonical, even though q ≡ 0 would be "valid" mod q).
    let b = with_section(&key, 5, |s| s[3 * 64..3 * 64 + 32].copy_from_slice(&bn254_q_bytes()));
    match read(&b) {
        Err(FormatError::NonCanonical { section, index: 3, coordinate: "x", field: "Fq", .. }) => {
            assert_eq!(section, zkey::A_QUERY)
        }
        other => panic!("{other:?}"),
    }
    let b = with_section(&key, 7, |s| s[128 + 96..128 + 128].copy_from_slice(&[0xff; 32]));
    assert!(matches!(read(&b), Err(FormatError::NonCanonical { index: 1, coordinate: "y.c1", .. })));
    // alpha1's y in the header.
    let b = with_section(&key, 2, |h| h[84 + 32..84 + 64].copy_from_slice(&bn254_q_bytes()));
    assert!(
        matches!(read(&b), Err(FormatError::NonCanonical { section, index: 0, coordinate: "y", .. }) if section.id == 2)
    );
}

#[test]
fn zkey_points_off_the_curve() {
    let key = small_key();
    for id in [3u32, 5, 6, 8, 9] {
        // Point 1 of each G1 section; make sure it is not the identity first.
        let p = G1Affine::new_unchecked(ark_bn254::Fq::from(1u64), ark_bn254::Fq::from(1u64));
        let b = with_section(&key, id, |s| s[64..128].copy_from_slice(&encode_g1(&p)));
        match read(&b) {
            Err(FormatError::NotOnCurve { section, index: 1, group: "G1" }) => assert_eq!(section.id, id),
            other => panic!("section {id}: {other:?}"),
        }
    }
    let b = with_section(&key, 7, |s| {
        s[0] ^= 1;
        s[1] |= 1; // never the identity
    });
    assert!(matches!(read(&b), Err(FormatError::NotOnCurve { group: "G2", index: 0, .. })));
    // delta2 in the header (header point 5).
    let b = with_section(&key, 2, |h| h[660 - 1] ^= 1);
    assert!(matches!(read(&b), Err(FormatError::NotOnCurve { index: 5, group: "G2", .. })));
}

#[test]
fn zkey_g2_points_outside_the_subgroup() {
    let mut rng = ark_std::test_rng();
    let key = small_key();
    let p = g2_outside_subgroup(&mut rng);
    let b = with_section(&key, 7, |s| s[5 * 128..6 * 128].copy_from_slice(&encode_g2(&p)));
    match read(&b) {
        Err(FormatError::NotInSubgroup { section, index: 5 }) => assert_eq!(section, zkey::B2_QUERY),
        other => panic!("{other:?}"),
    }
    // gamma2 (header point 3) at header offset 84 + 128 + 128.
    let b = with_section(&key, 2, |h| h[340..468].copy_from_slice(&encode_g2(&p)));
    assert!(matches!(read(&b), Err(FormatError::NotInSubgroup { section, index: 3 }) if section.id == 2));
}

#[test]
fn zkey_coefficients_out_of_range() {
    let key = small_key();
    let bad = |f: &dyn Fn(&mut Coefficient)| {
        let mut coefficients = key.coefficients.clone();
        f(&mut coefficients[7]);
        let body = zkey_coefficients(&coefficients);
        read(&with_section(&key, 4, |s| *s = body))
    };
    let signal = bad(&|c| c.signal = 12);
    assert!(
        matches!(signal, Err(FormatError::BadEntry { index: 7, ref message, .. }) if message.contains("signal 12"))
    );
    let constraint = bad(&|c| c.constraint = 16);
    assert!(
        matches!(constraint, Err(FormatError::BadEntry { index: 7, ref message, .. }) if message.contains("constraint 16"))
    );
    // Matrix 2, and a value ≥ r, patched in the bytes (the writer cannot express them).
    let b = with_section(&key, 4, |s| s[4 + 7 * 44..4 + 7 * 44 + 4].copy_from_slice(&2u32.to_le_bytes()));
    assert!(matches!(read(&b), Err(FormatError::BadEntry { index: 7, message, .. }) if message.contains("matrix 2")));
    let b = with_section(&key, 4, |s| s[4 + 7 * 44 + 12..4 + 8 * 44].copy_from_slice(&bn254_r_bytes()));
    assert!(matches!(read(&b), Err(FormatError::NonCanonical { index: 7, field: "Fr", .. })));
}

#[test]
fn witness_length_must_match_the_key() {
    let key = small_key();
    assert!(check_witness_length(&vec![Fr::from(1u64); 12], &key).is_ok());
    assert!(matches!(
        check_witness_length(&vec![Fr::from(1u64); 11], &key),
        Err(FormatError::WitnessLength { expected: 12, found: 11 })
    ));
}

// ---------------------------------------------------------------- .wtns

fn wtns(values: &[Fr]) -> Vec<u8> {
    let mut b = Vec::new();
    write_wtns(values, &mut b).expect("write");
    b
}

#[test]
fn wtns_round_trip_through_a_file() {
    let mut rng = ark_std::test_rng();
    let values: Vec<Fr> = (0..1000).map(|_| Fr::rand(&mut rng)).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.wtns");
    std::fs::write(&path, wtns(&values)).expect("write");
    assert_eq!(read_wtns(&path).expect("read"), values);
}

#[test]
fn wtns_malformed() {
    let values = [Fr::from(1u64), Fr::from(5u64), Fr::from(25u64)];
    let good = wtns(&values);
    let mut b = good.clone();
    b[..4].copy_from_slice(b"zkey");
    assert!(matches!(read_wtns_from(Cursor::new(b)), Err(FormatError::BadMagic { kind: FileKind::Wtns, .. })));
    let mut b = good.clone();
    b[4] = 1;
    assert!(matches!(read_wtns_from(Cursor::new(b)), Err(FormatError::UnsupportedVersion { found: 1, .. })));
    // Another prime: BLS12-381's r.
    let mut b = good.clone();
    b[28..60].copy_from_slice(&hex_le("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"));
    assert!(matches!(read_wtns_from(Cursor::new(b)), Err(FormatError::WrongPrime { kind: FileKind::Wtns, .. })));
    // Count disagreeing with section 2.
    let mut b = good.clone();
    b[60] = 4;
    assert!(matches!(read_wtns_from(Cursor::new(b)), Err(FormatError::SectionSize { expected: 128, found: 96, .. })));
    // Value ≥ r.
    let mut b = good.clone();
    let n = b.len();
    b[n - 64..n - 32].copy_from_slice(&bn254_r_bytes());
    assert!(matches!(read_wtns_from(Cursor::new(b)), Err(FormatError::NonCanonical { index: 1, .. })));
    for cut in 0..good.len() {
        assert!(
            matches!(
                read_wtns_from(Cursor::new(&good[..cut])),
                Err(FormatError::Truncated { .. } | FormatError::SectionPastEnd { .. })
            ),
            "cut {cut}"
        );
    }
}

// ---------------------------------------------------------------- .r1cs

fn random_r1cs_with_witness() -> (R1cs, Vec<Fr>) {
    // x_{i+1} = x_i * x_i + 3, with public output at wire 1 and public input at wire 2.
    let mut rng = ark_std::test_rng();
    let n = 20u32;
    let mut w = vec![Fr::from(1u64), Fr::from(0u64), Fr::rand(&mut rng)];
    for i in 0..n as usize {
        let prev = w[w.len() - 1];
        let _ = i;
        w.push(prev * prev + Fr::from(3u64));
    }
    let last = *w.last().expect("non-empty");
    w[1] = last;
    let mut constraints = Vec::new();
    for i in 0..n {
        let (x, y) = (if i == 0 { 2 } else { 2 + i }, 3 + i);
        constraints.push(Constraint {
            a: vec![(x, Fr::from(1u64))],
            b: vec![(x, Fr::from(1u64))],
            c: vec![(y, Fr::from(1u64)), (0, -Fr::from(3u64))],
        });
    }
    // out = last: (1)·(last) = out.
    constraints.push(Constraint {
        a: vec![(0, Fr::from(1u64))],
        b: vec![(2 + n, Fr::from(1u64))],
        c: vec![(1, Fr::from(1u64))],
    });
    let r1cs = R1cs { n_wires: w.len() as u32, n_pub_out: 1, n_pub_in: 1, n_prv_in: 0, n_labels: 40, constraints };
    (r1cs, w)
}

#[test]
fn r1cs_round_trip_and_witness_check() {
    let (r1cs, w) = random_r1cs_with_witness();
    let read = read_r1cs_from(Cursor::new(r1cs_bytes(&r1cs))).expect("valid r1cs");
    assert_eq!(read, r1cs);
    assert_eq!(read.check_witness(&w), Ok(()));
    let mut bad = w.clone();
    bad[7] += Fr::from(1u64);
    match read.check_witness(&bad) {
        // wire 7 is the output of constraint 4 and the input of constraint 5.
        Err(UnsatisfiedWitness::Constraint { index: 4, a, b, c }) => {
            assert_eq!(a, w[6]);
            assert_eq!(b, w[6]);
            assert_eq!(c, bad[7] - Fr::from(3u64));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(read.check_witness(&w[1..]), Err(UnsatisfiedWitness::Length { expected: w.len(), found: w.len() - 1 }));
}

/// A container's `(id, body)` sections.
type Sections = Vec<(u32, Vec<u8>)>;

#[test]
fn r1cs_malformed() {
    let (r1cs, _) = random_r1cs_with_witness();
    let sections = r1cs_sections(&r1cs);
    let build = |f: &dyn Fn(&mut Sections)| {
        let mut s = sections.clone();
        f(&mut s);
        read_r1cs_from(Cursor::new(assemble(b"r1cs", 1, &s)))
    };
    // Wire out of range in constraint 0's A (first term's wire at body offset 4).
    let e = build(&|s| s[1].1[4..8].copy_from_slice(&999u32.to_le_bytes()));
    assert!(
        matches!(e, Err(FormatError::BadEntry { kind: FileKind::R1cs, index: 0, ref message, .. }) if message.contains("wire 999"))
    );
    // Coefficient ≥ r.
    let e = build(&|s| s[1].1[8..40].copy_from_slice(&bn254_r_bytes()));
    assert!(matches!(e, Err(FormatError::NonCanonical { kind: FileKind::R1cs, index: 0, .. })));
    // More constraints declared than present; fewer (bytes left over).
    let e = build(&|s| s[0].1[60..64].copy_from_slice(&22u32.to_le_bytes()));
    assert!(matches!(e, Err(FormatError::Truncated { .. } | FormatError::SectionSize { .. })));
    let e = build(&|s| s[0].1[60..64].copy_from_slice(&20u32.to_le_bytes()));
    assert!(matches!(e, Err(FormatError::SectionSize { section, .. }) if section.id == 2));
    // Term count far beyond the section.
    let e = build(&|s| s[1].1[0..4].copy_from_slice(&u32::MAX.to_le_bytes()));
    assert!(matches!(e, Err(FormatError::Truncated { .. })));
    // Another prime; inconsistent counts; wire-to-label size; missing constraints.
    let e = build(&|s| s[0].1[4] ^= 1);
    assert!(matches!(e, Err(FormatError::WrongPrime { kind: FileKind::R1cs, .. })));
    let e = build(&|s| s[0].1[48..52].copy_from_slice(&1000u32.to_le_bytes()));
    assert!(matches!(e, Err(FormatError::BadHeader { .. })));
    let e = build(&|s| {
        s[2].1.pop();
    });
    assert!(matches!(e, Err(FormatError::SectionSize { section, .. }) if section.id == 3));
    let e = build(&|s| {
        s.remove(1);
    });
    assert!(matches!(e, Err(FormatError::MissingSection { section, .. }) if section.id == 2));
    let good = r1cs_bytes(&r1cs);
    for cut in 0..good.len() {
        assert!(read_r1cs_from(Cursor::new(&good[..cut])).is_err(), "cut {cut}");
    }
}

// ---------------------------------------------------------------- never a panic

fn all_readers(bytes: &[u8]) {
    let _ = read(bytes);
    let _ = read_wtns_from(Cursor::new(bytes));
    let _ = read_r1cs_from(Cursor::new(bytes));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), magic in 0usize..4) {
        let mut bytes = bytes;
        // Give some inputs a valid magic and version so the section parsing is reached.
        let prefixes: [&[u8]; 4] = [b"", b"zkey\x01\0\0\0", b"wtns\x02\0\0\0", b"r1cs\x01\0\0\0"];
        let prefix = prefixes[magic];
        if bytes.len() >= prefix.len() {
            bytes[..prefix.len()].copy_from_slice(prefix);
        }
        all_readers(&bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (r1cs, w) = random_r1cs_with_witness();
        let mut bytes = match which {
            0 => zkey_bytes(&random_proving_key(&mut ark_std::test_rng(), 6, 1, 8, 10)),
            1 => wtns(&w),
            _ => r1cs_bytes(&r1cs),
        };
        for (at, v) in edits {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        if truncate {
            let n = cut.index(bytes.len());
            bytes.truncate(n);
        }
        all_readers(&bytes);
    }
}

// ---------------------------------------------------------------- snarkjs fixtures

fn fixture_dirs() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/groth16");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.join("circuit.zkey").is_file()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The A and B entries snarkjs's `groth16 setup` derives from an R1CS: each constraint's A and B
/// terms, then one A row per public signal (and the constant) at index nConstraints + i.
fn expected_coefficients(r1cs: &R1cs) -> Vec<(Matrix, u32, u32, Fr)> {
    let mut out = Vec::new();
    for (i, k) in r1cs.constraints.iter().enumerate() {
        for (w, c) in &k.a {
            out.push((Matrix::A, i as u32, *w, *c));
        }
        for (w, c) in &k.b {
            out.push((Matrix::B, i as u32, *w, *c));
        }
    }
    let n = r1cs.constraints.len() as u32;
    for s in 0..=r1cs.n_public() {
        out.push((Matrix::A, n + s, s, Fr::from(1u64)));
    }
    out.sort_by_key(|e| (e.0 == Matrix::B, e.1, e.2, e.3.into_bigint().to_bytes_le()));
    out
}

#[test]
fn snarkjs_fixtures_agree_with_their_r1cs_witness_and_verification_key() {
    let dirs = fixture_dirs();
    if dirs.is_empty() {
        eprintln!("no snarkjs fixtures under tests/fixtures/groth16: skipped");
        return;
    }
    for dir in dirs {
        let name = dir.display().to_string();
        let key = read_zkey(&dir.join("circuit.zkey"), &no_cache()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r1cs = zkaccel::groth16::format::read_r1cs(&dir.join("circuit.r1cs")).expect("r1cs");
        assert_eq!(key.n_vars, r1cs.n_wires as usize, "{name}");
        assert_eq!(key.n_public, r1cs.n_public() as usize, "{name}");
        let mut got: Vec<_> = key.coefficients.iter().map(|c| (c.matrix, c.constraint, c.signal, c.value)).collect();
        got.sort_by_key(|e| (e.0 == Matrix::B, e.1, e.2, e.3.into_bigint().to_bytes_le()));
        assert_eq!(got, expected_coefficients(&r1cs), "{name}: zkey coefficients vs r1cs");
        eprintln!(
            "{name}: nVars {}, nPublic {}, domain {}, {} constraints, {} coefficients agree with the r1cs",
            key.n_vars,
            key.n_public,
            key.domain_size,
            r1cs.constraints.len(),
            got.len()
        );

        let witness_path = dir.join("witness.wtns");
        if witness_path.is_file() {
            let w = read_wtns(&witness_path).expect("wtns");
            assert_eq!(w.len(), key.n_vars, "{name}");
            check_witness_length(&w, &key).expect("length");
            r1cs.check_witness(&w).unwrap_or_else(|e| panic!("{name}: {e}"));
            // Change a private value used by some constraint: the first constraint using it fails.
            let wire = (key.n_public + 1..w.len()).rev().find(|&i| {
                r1cs.constraints.iter().any(|k| k.a.iter().chain(&k.b).chain(&k.c).any(|t| t.0 as usize == i))
            });
            if let Some(wire) = wire {
                let first = r1cs
                    .constraints
                    .iter()
                    .position(|k| k.a.iter().chain(&k.b).chain(&k.c).any(|t| t.0 as usize == wire))
                    .expect("used");
                let mut bad = w.clone();
                bad[wire] += Fr::from(1u64);
                match r1cs.check_witness(&bad) {
                    Err(UnsatisfiedWitness::Constraint { index, .. }) => {
                        assert_eq!(index, first, "{name}: changed wire {wire}");
                        eprintln!("{name}: wire {wire} changed, constraint {index} fails");
                    }
                    other => panic!("{name}: {other:?}"),
                }
            }
        }

        let vk_path = dir.join("verification_key.json");
        if vk_path.is_file() {
            let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&vk_path).expect("vk")).expect("json");
            check_vk_json(&key, &json, &name);
            eprintln!("{name}: verification_key.json matches");
        }
    }
}

fn dec<F: PrimeField>(v: &serde_json::Value) -> F {
    F::from_str(v.as_str().expect("decimal string")).unwrap_or_else(|_| panic!("bad decimal {v}"))
}

fn g1_json(v: &serde_json::Value) -> G1Affine {
    G1Affine::new(dec(&v[0]), dec(&v[1]))
}

fn g2_json(v: &serde_json::Value) -> ark_bn254::G2Affine {
    let f = |c: &serde_json::Value| ark_bn254::Fq2::new(dec(&c[0]), dec(&c[1]));
    ark_bn254::G2Affine::new(f(&v[0]), f(&v[1]))
}

fn check_vk_json(key: &ProvingKey, json: &serde_json::Value, name: &str) {
    assert_eq!(json["protocol"], "groth16", "{name}");
    assert_eq!(json["nPublic"].as_u64(), Some(key.n_public as u64), "{name}");
    assert_eq!(g1_json(&json["vk_alpha_1"]), key.alpha1, "{name} alpha1");
    assert_eq!(g2_json(&json["vk_beta_2"]), key.beta2, "{name} beta2");
    assert_eq!(g2_json(&json["vk_gamma_2"]), key.gamma2, "{name} gamma2");
    assert_eq!(g2_json(&json["vk_delta_2"]), key.delta2, "{name} delta2");
    let ic: Vec<G1Affine> = json["IC"].as_array().expect("IC").iter().map(g1_json).collect();
    assert_eq!(ic, key.ic, "{name} IC");
}
