//! `zkaccel prove` and `zkaccel verify` against circom and snarkjs, on the circuits in
//! `host/tests/circuits/` (three small ones and a 2^16-domain Poseidon chain).
//!
//! Each circuit's files (key, witness, verification key, a proof made by snarkjs) come from
//! `scripts/groth16-fixtures.sh`, which `scripts/test.sh` runs before the tests and whose output
//! it names in `ZKACCEL_GROTH16_FIXTURES`; snarkjs's CLI script is `ZKACCEL_SNARKJS`, run with
//! `node`. Without those variables the tests look in the script's default places
//! (`target/groth16-fixtures`, `scripts/node/node_modules`), and for the small circuits in the
//! committed `host/tests/fixtures/groth16/`. What is still missing makes a test print
//! `SKIPPED <test>: <reason>` and return outside CI, and fail in CI.
//!
//! The checks, for every circuit: zkaccel's proof is accepted by snarkjs and by zkaccel, with
//! snarkjs's public signals and proof layout; snarkjs's proof is accepted by zkaccel, tampered
//! copies of it and of its public signals are rejected; a witness with one value changed gives
//! no proof that either verifier accepts; `--check-witness` names the first failing constraint.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

use ark_bn254::{Fq, Fr};
use ark_ff::{BigInteger, PrimeField};
use serde_json::Value;
use zkaccel_backends::conformance::report_skip;

// --- where things are ---------------------------------------------------------------------------

/// Circuits small enough to have their files committed under `host/tests/fixtures/groth16/`.
const COMMITTED: &[&str] = &["multiplier", "many_public", "poseidon_chain_small"];

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ has a parent").to_path_buf()
}

/// In CI, fails with the reason; elsewhere prints `SKIPPED test: reason` in one write.
fn skip(test: &str, reason: &str) {
    assert!(!in_ci(), "{test} must run in CI: {reason} (scripts/test.sh prepares it)");
    report_skip(test, reason);
}

/// One circuit's files.
struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    fn zkey(&self) -> PathBuf {
        self.file("circuit.zkey")
    }
    fn wtns(&self) -> PathBuf {
        self.file("witness.wtns")
    }
    fn r1cs(&self) -> PathBuf {
        self.file("circuit.r1cs")
    }
    fn vkey(&self) -> PathBuf {
        self.file("verification_key.json")
    }
}

const FILES: &[&str] = &[
    "circuit.r1cs",
    "circuit.zkey",
    "witness.wtns",
    "verification_key.json",
    "snarkjs_proof.json",
    "snarkjs_public.json",
];

fn complete(dir: &Path) -> Result<(), String> {
    match FILES.iter().find(|f| !dir.join(f).is_file()) {
        None => Ok(()),
        Some(f) => Err(format!("{} is missing", dir.join(f).display())),
    }
}

/// The circuit's files: `$ZKACCEL_GROTH16_FIXTURES/circuit`, else the script's default output,
/// else (small circuits) the committed copy.
fn fixture(circuit: &str) -> Result<Fixture, String> {
    if let Some(root) = std::env::var_os("ZKACCEL_GROTH16_FIXTURES").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(root).join(circuit);
        complete(&dir).map_err(|e| format!("{e} (ZKACCEL_GROTH16_FIXTURES; run scripts/groth16-fixtures.sh)"))?;
        return Ok(Fixture { dir });
    }
    let built = workspace().join("target/groth16-fixtures").join(circuit);
    if complete(&built).is_ok() {
        return Ok(Fixture { dir: built });
    }
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/groth16").join(circuit);
    if COMMITTED.contains(&circuit) {
        complete(&committed)?;
        return Ok(Fixture { dir: committed });
    }
    Err(format!("no fixtures for {circuit}: set ZKACCEL_GROTH16_FIXTURES or run scripts/groth16-fixtures.sh"))
}

/// snarkjs's CLI, run with node.
struct Snarkjs {
    cli: PathBuf,
}

fn snarkjs() -> Result<Snarkjs, String> {
    let cli = match std::env::var_os("ZKACCEL_SNARKJS").filter(|v| !v.is_empty()) {
        Some(cli) => PathBuf::from(cli),
        None => workspace().join("scripts/node/node_modules/snarkjs/build/cli.cjs"),
    };
    if !cli.is_file() {
        return Err(format!(
            "snarkjs CLI {} not found (set ZKACCEL_SNARKJS or run scripts/groth16-fixtures.sh)",
            cli.display()
        ));
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(Snarkjs { cli }),
        _ => Err("node is not installed (snarkjs runs on Node.js)".into()),
    }
}

/// What a test needs, or `None` after reporting it skipped (outside CI).
fn prepare(test: &str, circuit: &str, need_snarkjs: bool) -> Option<(Fixture, Option<Snarkjs>)> {
    let fixture = match fixture(circuit) {
        Ok(f) => f,
        Err(reason) => {
            skip(test, &reason);
            return None;
        }
    };
    let snarkjs = if need_snarkjs {
        match snarkjs() {
            Ok(s) => Some(s),
            Err(reason) => {
                skip(test, &reason);
                return None;
            }
        }
    } else {
        None
    };
    Some((fixture, snarkjs))
}

// --- running the tools --------------------------------------------------------------------------

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs zkaccel; panics if it panicked.
fn zkaccel<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_zkaccel")).args(&args).output().expect("the zkaccel binary runs");
    let stderr = text(&out.stderr);
    assert!(
        out.status.code() != Some(101) && !stderr.contains("panicked"),
        "zkaccel {args:?} panicked (exit {:?}):\n{stderr}",
        out.status.code()
    );
    out
}

/// Asserts that zkaccel failed cleanly: non-zero exit, a message starting `error:` on stderr.
fn assert_error(out: &Output, what: &str) -> String {
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{what}: zkaccel succeeded, expected an error\nstdout: {}", text(&out.stdout));
    assert!(
        stderr.lines().any(|l| l.starts_with("error:")),
        "{what}: exit {:?} without a line starting `error:` on stderr:\n{stderr}",
        out.status.code()
    );
    stderr
}

fn prove(fixture: &Fixture, wtns: &Path, dir: &Path, extra: &[&str]) -> (Output, PathBuf, PathBuf) {
    let proof = dir.join("proof.json");
    let public = dir.join("public.json");
    let mut args: Vec<std::ffi::OsString> = vec!["prove".into()];
    args.extend(extra.iter().map(Into::into));
    args.extend([fixture.zkey().into(), wtns.into(), proof.clone().into(), public.clone().into()]);
    (zkaccel(args), proof, public)
}

/// zkaccel verify's verdict: `true` valid (exit 0), `false` invalid (exit 1 with a message).
/// Anything else (malformed input, another exit code) fails the test.
fn zkaccel_verifies(vkey: &Path, public: &Path, proof: &Path) -> bool {
    let out = zkaccel([Path::new("verify"), vkey, public, proof]);
    match out.status.code() {
        Some(0) => true,
        Some(1) => {
            let said = text(&out.stderr) + &text(&out.stdout);
            assert!(!said.trim().is_empty(), "zkaccel verify rejected the proof without a message");
            false
        }
        code => panic!("zkaccel verify {} exited {code:?}:\n{}", proof.display(), text(&out.stderr)),
    }
}

impl Snarkjs {
    fn run(&self, args: &[&std::ffi::OsStr]) -> Output {
        Command::new("node").arg(&self.cli).args(args).output().expect("node runs")
    }

    /// snarkjs groth16 verify's verdict; panics when snarkjs could not check at all.
    fn verifies(&self, vkey: &Path, public: &Path, proof: &Path) -> bool {
        let out = self.run(&["groth16".as_ref(), "verify".as_ref(), vkey.as_ref(), public.as_ref(), proof.as_ref()]);
        let said = text(&out.stdout) + &text(&out.stderr);
        match out.status.code() {
            Some(0) if said.contains("OK!") => true,
            Some(1) if said.contains("Invalid proof") => false,
            code => panic!("snarkjs groth16 verify {} could not check it (exit {code:?}):\n{said}", proof.display()),
        }
    }
}

fn read_json(path: &Path) -> Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn write_json(path: &Path, value: &Value) {
    fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

// --- snarkjs's proof layout ---------------------------------------------------------------------

/// A canonical decimal string (no sign, no leading zeros) of an integer below `F`'s modulus.
fn assert_decimal<F: PrimeField>(v: &Value, what: &str) {
    let s = v.as_str().unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()), "{what} is not a decimal string: {s:?}");
    assert!(s == "0" || !s.starts_with('0'), "{what} has leading zeros: {s:?}");
    let x = F::from_str(s).unwrap_or_else(|_| panic!("{what} is not a field element: {s}"));
    assert_eq!(x.into_bigint().to_string(), s, "{what} is not below the modulus");
}

fn assert_strings(v: &Value, expected: &[&str], what: &str) {
    let got: Vec<_> = v.as_array().unwrap_or_else(|| panic!("{what} is not an array: {v}")).iter().collect();
    assert_eq!(got, expected.iter().map(|s| Value::from(*s)).collect::<Vec<_>>().iter().collect::<Vec<_>>(), "{what}");
}

/// proof.json as snarkjs writes it: affine points with a "1" (and "0") projective coordinate,
/// G2 coordinates as [c0, c1], the keys in snarkjs's order.
fn assert_snarkjs_proof_shape(path: &Path) {
    let raw = fs::read_to_string(path).unwrap();
    let proof = read_json(path);
    let keys: Vec<_> = proof.as_object().expect("proof.json is an object").keys().cloned().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, ["curve", "pi_a", "pi_b", "pi_c", "protocol"], "proof.json keys: {raw}");
    assert_eq!(proof["protocol"], "groth16");
    assert_eq!(proof["curve"], "bn128");
    for g1 in ["pi_a", "pi_c"] {
        let p = proof[g1].as_array().unwrap_or_else(|| panic!("{g1} is not an array: {raw}"));
        assert_eq!(p.len(), 3, "{g1}: {raw}");
        assert_decimal::<Fq>(&p[0], &format!("{g1}[0]"));
        assert_decimal::<Fq>(&p[1], &format!("{g1}[1]"));
        assert_eq!(p[2], "1", "{g1}[2]");
    }
    let b = proof["pi_b"].as_array().unwrap_or_else(|| panic!("pi_b is not an array: {raw}"));
    assert_eq!(b.len(), 3, "pi_b: {raw}");
    for (i, coord) in b.iter().take(2).enumerate() {
        let c = coord.as_array().unwrap_or_else(|| panic!("pi_b[{i}] is not an array: {raw}"));
        assert_eq!(c.len(), 2, "pi_b[{i}]: {raw}");
        assert_decimal::<Fq>(&c[0], &format!("pi_b[{i}][0]"));
        assert_decimal::<Fq>(&c[1], &format!("pi_b[{i}][1]"));
    }
    assert_strings(&b[2], &["1", "0"], "pi_b[2]");
}

/// The keys of proof.json in the order snarkjs writes them (JSON readers ignore it; people
/// diffing zkaccel's output against snarkjs's do not).
fn assert_snarkjs_key_order(path: &Path) {
    let raw = fs::read_to_string(path).unwrap();
    let positions: Vec<_> = ["\"pi_a\"", "\"pi_b\"", "\"pi_c\"", "\"protocol\"", "\"curve\""]
        .iter()
        .map(|k| raw.find(k).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "proof.json keys are not in snarkjs's order: {raw}");
}

// --- .wtns and .r1cs, read here independently of zkaccel's readers ------------------------------

/// Sections of a circom binary file (`wtns`, `r1cs`): (id, byte range).
fn sections(bytes: &[u8], magic: &[u8; 4]) -> Vec<(u32, std::ops::Range<usize>)> {
    assert_eq!(&bytes[..4], magic, "not a {} file", String::from_utf8_lossy(magic));
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let count = u32_at(8) as usize;
    let mut at = 12;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let id = u32_at(at);
        let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        out.push((id, at + 12..at + 12 + size));
        at += 12 + size;
    }
    out
}

fn section(secs: &[(u32, std::ops::Range<usize>)], id: u32) -> std::ops::Range<usize> {
    secs.iter().find(|(i, _)| *i == id).unwrap_or_else(|| panic!("no section {id}")).1.clone()
}

/// A witness file and where its values are.
struct Wtns {
    bytes: Vec<u8>,
    values: std::ops::Range<usize>,
}

impl Wtns {
    fn read(path: &Path) -> Wtns {
        let bytes = fs::read(path).unwrap();
        let secs = sections(&bytes, b"wtns");
        let header = section(&secs, 1);
        let n8 = u32::from_le_bytes(bytes[header.start..header.start + 4].try_into().unwrap());
        assert_eq!(n8, 32, "witness values of {n8} bytes");
        let values = section(&secs, 2);
        Wtns { bytes, values }
    }
    fn values(&self) -> Vec<Fr> {
        self.bytes[self.values.clone()].chunks_exact(32).map(Fr::from_le_bytes_mod_order).collect()
    }
    /// Writes a copy with value `index` replaced (32-byte little-endian standard form).
    fn write_with(&self, path: &Path, index: usize, value: Fr) {
        let mut bytes = self.bytes.clone();
        let at = self.values.start + 32 * index;
        let le = value.into_bigint().to_bytes_le();
        bytes[at..at + 32].copy_from_slice(&le);
        fs::write(path, bytes).unwrap();
    }
}

/// An R1CS: each constraint's A, B, C as (wire, coefficient) terms.
struct R1cs {
    n_public: usize,
    n_wires: usize,
    constraints: Vec<[Vec<(usize, Fr)>; 3]>,
}

impl R1cs {
    fn read(path: &Path) -> R1cs {
        let bytes = fs::read(path).unwrap();
        let secs = sections(&bytes, b"r1cs");
        let h = section(&secs, 1).start;
        let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
        let n8 = u32_at(h);
        assert_eq!(n8, 32);
        let at = h + 4 + n8;
        let (n_wires, n_pub_out, n_pub_in) = (u32_at(at), u32_at(at + 4), u32_at(at + 8));
        let n_constraints = u32_at(at + 24);
        let mut at = section(&secs, 2).start;
        let mut constraints = Vec::with_capacity(n_constraints);
        for _ in 0..n_constraints {
            let mut lc = || {
                let terms = u32_at(at);
                at += 4;
                (0..terms)
                    .map(|_| {
                        let wire = u32_at(at);
                        let coeff = Fr::from_le_bytes_mod_order(&bytes[at + 4..at + 4 + n8]);
                        at += 4 + n8;
                        (wire, coeff)
                    })
                    .collect::<Vec<_>>()
            };
            let (a, b, c) = (lc(), lc(), lc());
            constraints.push([a, b, c]);
        }
        R1cs { n_public: n_pub_out + n_pub_in, n_wires, constraints }
    }

    /// The first constraint `w` fails, if any.
    fn first_failing(&self, w: &[Fr]) -> Option<usize> {
        let eval = |lc: &[(usize, Fr)]| lc.iter().map(|&(i, c)| c * w[i]).sum::<Fr>();
        self.constraints.iter().position(|[a, b, c]| eval(a) * eval(b) != eval(c))
    }
}

/// A copy of the fixture's witness with one private value changed (+1) so that some constraint
/// fails: (the copy's path, the changed index, the first failing constraint).
fn tampered_witness(fixture: &Fixture, dir: &Path) -> (PathBuf, usize, usize) {
    let r1cs = R1cs::read(&fixture.r1cs());
    let wtns = Wtns::read(&fixture.wtns());
    let mut w = wtns.values();
    assert_eq!(w.len(), r1cs.n_wires, "the witness and the circuit disagree on the number of wires");
    assert_eq!(r1cs.first_failing(&w), None, "the fixture's own witness fails a constraint");
    let first_private = r1cs.n_public + 1;
    let middle = first_private + (r1cs.n_wires - first_private) / 2;
    for index in (middle..r1cs.n_wires).chain(first_private..middle) {
        let original = w[index];
        w[index] += Fr::from(1u64);
        if let Some(failing) = r1cs.first_failing(&w) {
            let path = dir.join("tampered.wtns");
            wtns.write_with(&path, index, w[index]);
            assert_eq!(Wtns::read(&path).values(), w);
            return (path, index, failing);
        }
        w[index] = original;
    }
    panic!("no single witness value whose change breaks a constraint");
}

// --- the checks -------------------------------------------------------------------------------

/// zkaccel's proof (with -v) is accepted by snarkjs and zkaccel, has snarkjs's public signals
/// and layout, and is not snarkjs's proof copied; -v names each phase.
fn proof_is_accepted_by_snarkjs_and_zkaccel(test: &str, circuit: &str) {
    let Some((fixture, Some(snarkjs))) = prepare(test, circuit, true) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (out, proof, public) = prove(&fixture, &fixture.wtns(), tmp.path(), &["-v"]);
    assert!(out.status.success(), "zkaccel prove failed:\n{}", text(&out.stderr));
    assert_snarkjs_proof_shape(&proof);
    assert_eq!(
        read_json(&public),
        read_json(&fixture.file("snarkjs_public.json")),
        "public.json differs from snarkjs's"
    );
    assert_ne!(read_json(&proof), read_json(&fixture.file("snarkjs_proof.json")), "the proof is snarkjs's own");
    assert!(snarkjs.verifies(&fixture.vkey(), &public, &proof), "snarkjs rejects zkaccel's proof");
    assert!(zkaccel_verifies(&fixture.vkey(), &public, &proof), "zkaccel rejects its own proof");

    let said = (text(&out.stderr) + &text(&out.stdout)).to_lowercase();
    let phases = ["load", "witness", "ntt", "msm a", "msm b1", "msm b2", "msm c", "msm h", "verify", "write", "total"];
    for phase in phases {
        assert!(said.contains(phase), "-v does not mention the {phase} phase:\n{said}");
    }
    assert_snarkjs_key_order(&proof);
}

/// snarkjs's proof is accepted by zkaccel verify; tampered proofs and public signals give exit 1,
/// malformed ones an error.
fn snarkjs_proof_is_accepted_and_tampering_rejected(test: &str, circuit: &str) {
    let Some((fixture, _)) = prepare(test, circuit, false) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let vkey = fixture.vkey();
    let proof_path = fixture.file("snarkjs_proof.json");
    let public_path = fixture.file("snarkjs_public.json");
    assert!(zkaccel_verifies(&vkey, &public_path, &proof_path), "zkaccel rejects snarkjs's proof");

    let proof = read_json(&proof_path);
    let public = read_json(&public_path);
    let bad_proof = tmp.path().join("bad_proof.json");
    let bad_public = tmp.path().join("bad_public.json");

    // Well-formed points, wrong proof: -pi_a (same x, y → q − y), and pi_c replaced by pi_a.
    let mut negated = proof.clone();
    let y = Fq::from_str(proof["pi_a"][1].as_str().unwrap()).unwrap();
    negated["pi_a"][1] = Value::from((-y).into_bigint().to_string());
    write_json(&bad_proof, &negated);
    assert!(!zkaccel_verifies(&vkey, &public_path, &bad_proof), "zkaccel accepts a proof with pi_a negated");
    let mut swapped = proof.clone();
    swapped["pi_c"] = proof["pi_a"].clone();
    write_json(&bad_proof, &swapped);
    assert!(!zkaccel_verifies(&vkey, &public_path, &bad_proof), "zkaccel accepts a proof with pi_c = pi_a");

    // Each public signal changed by one (still a field element) is rejected.
    let n = public.as_array().unwrap().len();
    for i in [0, n / 2, n - 1] {
        let mut changed = public.clone();
        let v = Fr::from_str(public[i].as_str().unwrap()).unwrap();
        changed[i] = Value::from((v + Fr::from(1u64)).into_bigint().to_string());
        write_json(&bad_public, &changed);
        assert!(!zkaccel_verifies(&vkey, &bad_public, &proof_path), "zkaccel accepts public signal {i} changed");
    }

    // Malformed: a point off the curve, a missing field, too few public signals, a value ≥ r,
    // a non-number, a file that is not JSON.
    let mut off_curve = proof.clone();
    let x = Fq::from_str(proof["pi_a"][0].as_str().unwrap()).unwrap();
    off_curve["pi_a"][0] = Value::from((x + Fq::from(1u64)).into_bigint().to_string());
    write_json(&bad_proof, &off_curve);
    let out = zkaccel([Path::new("verify"), &vkey, &public_path, &bad_proof]);
    assert!(!out.status.success(), "zkaccel verify accepts a point off the curve");
    let mut missing = proof.clone();
    missing.as_object_mut().unwrap().remove("pi_c");
    write_json(&bad_proof, &missing);
    assert_error(&zkaccel([Path::new("verify"), &vkey, &public_path, &bad_proof]), "proof without pi_c");
    fs::write(&bad_proof, "{ \"pi_a\": [").unwrap();
    assert_error(&zkaccel([Path::new("verify"), &vkey, &public_path, &bad_proof]), "proof that is not JSON");
    let mut short = public.clone();
    short.as_array_mut().unwrap().pop();
    write_json(&bad_public, &short);
    assert_error(&zkaccel([Path::new("verify"), &vkey, &bad_public, &proof_path]), "one public signal too few");
    let mut too_big = public.clone();
    too_big[0] = Value::from(Fr::MODULUS.to_string());
    write_json(&bad_public, &too_big);
    assert_error(&zkaccel([Path::new("verify"), &vkey, &bad_public, &proof_path]), "public signal = r");
    let mut not_number = public.clone();
    not_number[0] = Value::from("12a");
    write_json(&bad_public, &not_number);
    assert_error(&zkaccel([Path::new("verify"), &vkey, &bad_public, &proof_path]), "public signal \"12a\"");
}

/// A witness with one value changed: zkaccel prove errors, or writes a proof that both
/// verifiers reject.
fn tampered_witness_gives_no_valid_proof(test: &str, circuit: &str) {
    let Some((fixture, Some(snarkjs))) = prepare(test, circuit, true) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (wtns, index, _) = tampered_witness(&fixture, tmp.path());
    let (out, proof, public) = prove(&fixture, &wtns, tmp.path(), &[]);
    if out.status.success() {
        assert!(
            !snarkjs.verifies(&fixture.vkey(), &public, &proof),
            "snarkjs accepts a proof of a witness with value {index} changed"
        );
        assert!(
            !zkaccel_verifies(&fixture.vkey(), &public, &proof),
            "zkaccel accepts a proof of a witness with value {index} changed"
        );
    } else {
        assert_error(&out, "prove with a tampered witness");
    }
}

/// `--check-witness`: the tampered witness is an error naming the first failing constraint;
/// the fixture's witness proves, and the proof verifies.
fn check_witness_names_the_failing_constraint(test: &str, circuit: &str) {
    let Some((fixture, _)) = prepare(test, circuit, false) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let r1cs = fixture.r1cs();
    let check = ["--check-witness", r1cs.to_str().unwrap()];
    let (wtns, index, failing) = tampered_witness(&fixture, tmp.path());
    let (out, _, _) = prove(&fixture, &wtns, tmp.path(), &check);
    let stderr = assert_error(&out, &format!("--check-witness with witness value {index} changed"));
    assert!(
        names_constraint(&stderr, failing),
        "--check-witness does not name constraint {failing} (0-based, as snarkjs wtns check counts), the first that \
         fails with witness value {index} changed:\n{stderr}"
    );

    let (out, proof, public) = prove(&fixture, &fixture.wtns(), tmp.path(), &check);
    assert!(out.status.success(), "--check-witness with the good witness failed:\n{}", text(&out.stderr));
    assert!(zkaccel_verifies(&fixture.vkey(), &public, &proof), "zkaccel rejects its proof made with --check-witness");
}

/// Whether `message` says "constraint N" (or "constraint #N") for exactly this N.
fn names_constraint(message: &str, n: usize) -> bool {
    let lower = message.to_lowercase();
    ["constraint ", "constraint #"].iter().any(|prefix| {
        let wanted = format!("{prefix}{n}");
        lower
            .match_indices(&wanted)
            .any(|(at, _)| !lower[at + wanted.len()..].starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// `zkaccel setup-insecure` on the circuit's .r1cs gives a key snarkjs can prove with and a
/// verification key snarkjs verifies with: snarkjs's proof with zkaccel's key and zkaccel's
/// proof are both accepted by `snarkjs groth16 verify` and by zkaccel; the same seed gives the
/// same files, another seed another key; a proof under one key fails under the other.
fn setup_insecure_keys_work_in_snarkjs(test: &str, circuit: &str) {
    let Some((fixture, Some(snarkjs))) = prepare(test, circuit, true) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let key = |name: &str, seed: &str| -> Fixture {
        let dir = tmp.path().join(name);
        fs::create_dir(&dir).unwrap();
        let out = zkaccel([
            "setup-insecure".as_ref(),
            fixture.r1cs().as_os_str(),
            dir.join("circuit.zkey").as_os_str(),
            dir.join("verification_key.json").as_os_str(),
            "--seed".as_ref(),
            seed.as_ref(),
        ]);
        assert!(out.status.success(), "setup-insecure failed:\n{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("forge proofs"), "setup-insecure does not warn:\n{}", text(&out.stderr));
        Fixture { dir }
    };
    let (first, again, other) = (key("a", "7"), key("b", "7"), key("c", "8"));
    for f in ["circuit.zkey", "verification_key.json"] {
        assert_eq!(fs::read(first.file(f)).unwrap(), fs::read(again.file(f)).unwrap(), "{f}: same seed, other file");
        assert_ne!(fs::read(first.file(f)).unwrap(), fs::read(other.file(f)).unwrap(), "{f}: other seed, same file");
    }

    let (proof, public) = (tmp.path().join("snarkjs_proof.json"), tmp.path().join("snarkjs_public.json"));
    let out = snarkjs.run(&[
        "groth16".as_ref(),
        "prove".as_ref(),
        first.zkey().as_os_str(),
        fixture.wtns().as_os_str(),
        proof.as_os_str(),
        public.as_os_str(),
    ]);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(out.status.success() && !said.contains("[ERROR]"), "snarkjs cannot prove with the key:\n{said}");
    assert!(snarkjs.verifies(&first.vkey(), &public, &proof), "snarkjs rejects its proof under zkaccel's keys");
    assert!(zkaccel_verifies(&first.vkey(), &public, &proof), "zkaccel rejects snarkjs's proof under its key");

    let (out, proof, public) = prove(&first, &fixture.wtns(), tmp.path(), &[]);
    assert!(out.status.success(), "zkaccel prove failed with the key:\n{}", text(&out.stderr));
    assert_eq!(read_json(&public), read_json(&fixture.file("snarkjs_public.json")), "public signals differ");
    assert!(snarkjs.verifies(&first.vkey(), &public, &proof), "snarkjs rejects zkaccel's proof");
    assert!(zkaccel_verifies(&first.vkey(), &public, &proof), "zkaccel rejects its own proof");
    assert!(!snarkjs.verifies(&other.vkey(), &public, &proof), "a proof verifies under another seed's key");
}

macro_rules! circuit_tests {
    ($($circuit:ident),* $(,)?) => {$(
        mod $circuit {
            fn name(test: &str) -> String {
                format!("{}::{test}", stringify!($circuit))
            }
            #[test]
            fn zkaccel_proof_is_accepted_by_snarkjs_and_zkaccel() {
                super::proof_is_accepted_by_snarkjs_and_zkaccel(
                    &name("zkaccel_proof_is_accepted_by_snarkjs_and_zkaccel"),
                    stringify!($circuit),
                );
            }
            #[test]
            fn snarkjs_proof_is_accepted_and_tampering_rejected() {
                super::snarkjs_proof_is_accepted_and_tampering_rejected(
                    &name("snarkjs_proof_is_accepted_and_tampering_rejected"),
                    stringify!($circuit),
                );
            }
            #[test]
            fn tampered_witness_gives_no_valid_proof() {
                super::tampered_witness_gives_no_valid_proof(
                    &name("tampered_witness_gives_no_valid_proof"),
                    stringify!($circuit),
                );
            }
            #[test]
            fn setup_insecure_keys_work_in_snarkjs() {
                super::setup_insecure_keys_work_in_snarkjs(
                    &name("setup_insecure_keys_work_in_snarkjs"),
                    stringify!($circuit),
                );
            }
            #[test]
            fn check_witness_names_the_failing_constraint() {
                super::check_witness_names_the_failing_constraint(
                    &name("check_witness_names_the_failing_constraint"),
                    stringify!($circuit),
                );
            }
        }
    )*};
}

circuit_tests!(multiplier, many_public, poseidon_chain_small, poseidon_chain_200);

// --- inputs that are not a proof's -------------------------------------------------------------

/// Two proofs of the same witness differ (r and s are random) and both verify.
#[test]
fn proofs_are_randomised() {
    let test = "proofs_are_randomised";
    let Some((fixture, _)) = prepare(test, "multiplier", false) else { return };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (out_a, proof_a, public_a) = prove(&fixture, &fixture.wtns(), a.path(), &[]);
    let (out_b, proof_b, _) = prove(&fixture, &fixture.wtns(), b.path(), &[]);
    assert!(out_a.status.success() && out_b.status.success(), "{}{}", text(&out_a.stderr), text(&out_b.stderr));
    assert_ne!(read_json(&proof_a), read_json(&proof_b), "two proofs are identical: r and s are not random");
    assert!(zkaccel_verifies(&fixture.vkey(), &public_a, &proof_a));
    assert!(zkaccel_verifies(&fixture.vkey(), &public_a, &proof_b));
}

/// Missing, truncated, swapped and mismatched files are errors, never panics.
#[test]
fn prove_rejects_malformed_inputs() {
    let test = "prove_rejects_malformed_inputs";
    let Some((fixture, _)) = prepare(test, "multiplier", false) else { return };
    let Some((other, _)) = prepare(test, "many_public", false) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let run = |zkey: &Path, wtns: &Path| {
        zkaccel([Path::new("prove"), zkey, wtns, &t.join("proof.json"), &t.join("public.json")])
    };
    assert_error(&run(&t.join("missing.zkey"), &fixture.wtns()), "a missing .zkey");
    assert_error(&run(&fixture.zkey(), &t.join("missing.wtns")), "a missing .wtns");
    assert_error(&run(&fixture.wtns(), &fixture.zkey()), ".wtns and .zkey swapped");
    assert_error(&run(&fixture.zkey(), &other.wtns()), "the witness of another circuit");

    let zkey = fs::read(fixture.zkey()).unwrap();
    for cut in [0, 3, 12, 100, zkey.len() / 2, zkey.len() - 1] {
        let truncated = t.join(format!("truncated_{cut}.zkey"));
        fs::write(&truncated, &zkey[..cut]).unwrap();
        assert_error(&run(&truncated, &fixture.wtns()), &format!(".zkey cut to {cut} bytes"));
    }
    let wtns = fs::read(fixture.wtns()).unwrap();
    let truncated = t.join("truncated.wtns");
    fs::write(&truncated, &wtns[..wtns.len() - 32]).unwrap();
    assert_error(&run(&fixture.zkey(), &truncated), ".wtns missing its last value");

    let mut not_one = Wtns::read(&fixture.wtns());
    let at = not_one.values.start;
    not_one.bytes[at] = 2;
    let bad = t.join("constant_two.wtns");
    fs::write(&bad, &not_one.bytes).unwrap();
    assert_error(&run(&fixture.zkey(), &bad), "witness value 0 is 2, not 1");

    let r1cs = other.r1cs();
    let out = zkaccel([
        Path::new("prove"),
        Path::new("--check-witness"),
        &r1cs,
        &fixture.zkey(),
        &fixture.wtns(),
        &t.join("proof.json"),
        &t.join("public.json"),
    ]);
    assert_error(&out, "--check-witness with another circuit's .r1cs");
}

/// verify with a missing or malformed verification key is an error.
#[test]
fn verify_rejects_malformed_keys() {
    let test = "verify_rejects_malformed_keys";
    let Some((fixture, _)) = prepare(test, "multiplier", false) else { return };
    let Some((other, _)) = prepare(test, "many_public", false) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let proof = fixture.file("snarkjs_proof.json");
    let public = fixture.file("snarkjs_public.json");
    let verify = |vkey: &Path| zkaccel([Path::new("verify"), vkey, &public, &proof]);
    assert_error(&verify(&tmp.path().join("missing.json")), "a missing verification key");
    let bad = tmp.path().join("vkey.json");
    fs::write(&bad, "not json").unwrap();
    assert_error(&verify(&bad), "a verification key that is not JSON");
    let mut vkey = read_json(&fixture.vkey());
    vkey.as_object_mut().unwrap().remove("IC");
    write_json(&bad, &vkey);
    assert_error(&verify(&bad), "a verification key without IC");
    // Another circuit's key: 40-odd public inputs against one public signal.
    assert_error(&verify(&other.vkey()), "another circuit's verification key");
}

/// The benchmark circuit really has a 2^16 domain (the size the tests claim to cover), read from
/// its .zkey header: a circuit or circom change that shrinks it fails here.
#[test]
fn poseidon_chain_200_has_a_2_16_domain() {
    let test = "poseidon_chain_200_has_a_2_16_domain";
    let Some((fixture, _)) = prepare(test, "poseidon_chain_200", false) else { return };
    let bytes = fs::read(fixture.zkey()).unwrap();
    let header = section(&sections(&bytes, b"zkey"), 2).start;
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
    let n8q = u32_at(header);
    let n8r = u32_at(header + 4 + n8q);
    let at = header + 8 + n8q + n8r;
    let (n_vars, n_public, domain) = (u32_at(at), u32_at(at + 4), u32_at(at + 8));
    assert_eq!(domain, 1 << 16, "domain of {n_vars} variables, {n_public} public");
    let r1cs = R1cs::read(&fixture.r1cs());
    assert!(
        r1cs.constraints.len() + n_public + 1 > 1 << 15,
        "{} constraints fit a 2^15 domain",
        r1cs.constraints.len()
    );
}
