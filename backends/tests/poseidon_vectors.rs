//! Reference and optimized Poseidon against circomlibjs's own outputs, every arity 1..=16.
//!
//! The vectors in `tests/data/poseidon_vectors.json` come from `scripts/gen_poseidon_vectors.mjs`
//! (circomlibjs's wasm `buildPoseidon`, `buildPoseidonReference` and `buildPoseidonOpt`, agreeing).

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use serde_json::Value;
use zkaccel_backends::cpu::{poseidon, reference};

struct Vector {
    kind: String,
    inputs: Vec<Fr>,
    output: Fr,
}

/// A decimal string below r; anything else fails the test rather than being reduced.
fn parse_fr(v: &Value) -> Fr {
    let s = v.as_str().expect("field elements are decimal strings");
    let n: BigUint = s.parse().expect("decimal");
    let r = BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le());
    assert!(n < r, "{s} is not below r");
    Fr::from_le_bytes_mod_order(&n.to_bytes_le())
}

fn load() -> (Value, Vec<(usize, Vector)>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/poseidon_vectors.json");
    let text = std::fs::read_to_string(path).expect("read poseidon_vectors.json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    let vectors = doc["vectors"]
        .as_array()
        .expect("a vectors array")
        .iter()
        .map(|v| {
            let arity = v["arity"].as_u64().expect("arity") as usize;
            let inputs: Vec<Fr> = v["inputs"].as_array().expect("inputs").iter().map(parse_fr).collect();
            assert_eq!(inputs.len(), arity);
            let kind = v["kind"].as_str().expect("kind").to_string();
            (arity, Vector { kind, inputs, output: parse_fr(&v["output"]) })
        })
        .collect();
    (doc, vectors)
}

#[test]
fn poseidon_vectors_cover_every_arity() {
    let (doc, vectors) = load();
    assert_eq!(doc["circomlibjs_version"], "0.1.7");
    assert_eq!(doc["generator"], "scripts/gen_poseidon_vectors.mjs");
    for arity in 1..=16 {
        let n = vectors.iter().filter(|(a, _)| *a == arity).count();
        assert!(n >= 5, "only {n} vectors for arity {arity}");
    }
}

#[test]
fn poseidon_reference_matches_circomlibjs_vectors() {
    for (arity, v) in load().1 {
        assert_eq!(reference::poseidon::hash(&v.inputs), v.output, "arity {arity}, {}", v.kind);
    }
}

#[test]
fn poseidon_optimized_matches_circomlibjs_vectors() {
    for (arity, v) in load().1 {
        assert_eq!(poseidon::hash(&v.inputs), v.output, "arity {arity}, {}", v.kind);
    }
}

#[test]
fn poseidon_batch_matches_circomlibjs_vectors() {
    let vectors = load().1;
    for arity in 1..=16 {
        let group: Vec<&Vector> = vectors.iter().filter(|(a, _)| *a == arity).map(|(_, v)| v).collect();
        let inputs: Vec<Fr> = group.iter().flat_map(|v| v.inputs.iter().copied()).collect();
        let expected: Vec<Fr> = group.iter().map(|v| v.output).collect();
        assert_eq!(poseidon::hash_batch(&inputs, arity), expected, "arity {arity}");
    }
}

#[test]
fn poseidon_optimized_matches_published_answers() {
    let fr = |n: u64| Fr::from(n);
    let hex = |h: Fr| h.into_bigint().to_bytes_be().iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(poseidon::hash(&[fr(1), fr(2)])),
        "115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a"
    );
    assert_eq!(
        hex(poseidon::hash(&[fr(1), fr(2), fr(3), fr(4)])),
        "299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465"
    );
    let dec = |s: &str| parse_fr(&Value::String(s.into()));
    assert_eq!(
        poseidon::hash(&[fr(1)]),
        dec("18586133768512220936620570745912940619677854269274689475585506675881198879027")
    );
    let sixteen: Vec<Fr> = (1..=16).map(fr).collect();
    assert_eq!(
        poseidon::hash(&sixteen),
        dec("9989051620750914585850546081941653841776809718687451684622678807385399211877")
    );
}
