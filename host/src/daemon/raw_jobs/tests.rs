//! Raw jobs end to end on the CPU backend: every rejection, and results against references
//! computed independently (arkworks MSM, ark-poly FFT, light-poseidon, circomlibjs answers).

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use light_poseidon::{Poseidon, PoseidonHasher};
use serde_json::{json, Value};
use zkaccel_backends::cpu::CpuBackend;

use super::*;
use crate::groth16::decimal::to_decimal;

const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
const R_MINUS_1: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495616";

fn job(body: Value) -> RawJob {
    serde_json::from_value(body).expect("a well-formed raw job")
}

fn prepare(body: Value) -> Result<PreparedRawJob, RawJobError> {
    job(body).prepare(&RawJobLimits::default())
}

fn run(body: Value) -> Value {
    prepare(body).expect("a valid job").run(&CpuBackend::new()).expect("runs on the CPU")
}

fn invalid(body: Value) -> String {
    match prepare(body.clone()) {
        Err(RawJobError::Invalid(message)) => message,
        other => panic!("{body}: expected Invalid, got {other:?}"),
    }
}

fn strings(values: &[Fr]) -> Vec<String> {
    values.iter().map(|v| to_decimal(*v)).collect()
}

fn point_json(p: G1Affine) -> Value {
    json!({ "point": g1_to_strings(&p) })
}

fn light_poseidon(inputs: &[Fr]) -> Fr {
    Poseidon::<Fr>::new_circom(inputs.len()).unwrap().hash(inputs).unwrap()
}

// ---- rejections ----

#[test]
fn inline_and_random_are_exclusive_and_one_is_required() {
    let random = json!({"size": 4, "seed": 1});
    let both = [
        json!({"kind": "msm", "bases": [], "scalars": [], "random": random}),
        json!({"kind": "msm", "bases": [], "random": random}),
        json!({"kind": "ntt", "values": ["1"], "random": random}),
        json!({"kind": "poseidon", "arity": 2, "inputs": [], "random": random}),
        json!({"kind": "merkle", "leaves": ["1", "2"], "random": random}),
    ];
    for body in both {
        assert!(invalid(body.clone()).contains("not both"), "{body}");
    }
    for (body, expect) in [
        (json!({"kind": "msm"}), "give bases and scalars or random"),
        (json!({"kind": "ntt"}), "give values or random"),
        (json!({"kind": "poseidon", "arity": 2}), "give inputs or random"),
        (json!({"kind": "merkle"}), "give leaves or random"),
        (json!({"kind": "msm", "bases": [["1", "2"]]}), "scalars: missing (bases were given)"),
        (json!({"kind": "msm", "scalars": ["1"]}), "bases: missing (scalars were given)"),
    ] {
        assert_eq!(invalid(body), expect);
    }
}

#[test]
fn bad_field_elements_name_the_field_and_index() {
    let g = ["1", "2"];
    for (body, expect) in [
        (json!({"kind": "msm", "bases": [g, g], "scalars": ["1", "x1"]}), "scalars[1]: \"x1\" is not a decimal"),
        (
            json!({"kind": "msm", "bases": [g, g, g, g], "scalars": ["1", "2", "3", R]}),
            &format!("scalars[3]: \"{R}\" is not below the scalar field modulus r"),
        ),
        (
            json!({"kind": "msm", "bases": [g, ["1", "-2"]], "scalars": ["1", "2"]}),
            "bases[1][1]: \"-2\" is not a decimal",
        ),
        (json!({"kind": "ntt", "values": ["1", "0x"]}), "values[1]: \"0x\" is not a decimal"),
        (
            json!({"kind": "ntt", "values": ["1", "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"]}),
            "values[1]: \"0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001\" is not below",
        ),
        (json!({"kind": "poseidon", "arity": 2, "inputs": [["1", "2"], ["3", "1.5"]]}), "inputs[1][1]: \"1.5\""),
        (json!({"kind": "merkle", "leaves": ["1", "2", "3", " 4"]}), "leaves[3]: \" 4\" is not a decimal"),
    ] {
        let message = invalid(body.clone());
        assert!(message.starts_with(expect), "{body}: {message}");
    }
}

#[test]
fn off_curve_points_are_rejected() {
    let message = invalid(json!({"kind": "msm", "bases": [["1", "2"], ["1", "3"]], "scalars": ["1", "2"]}));
    assert_eq!(message, "bases[1]: (1, 3) is not on the BN254 G1 curve");
    // (0, 0) is the identity, but (0, y) for other y is just a bad point.
    let message = invalid(json!({"kind": "msm", "bases": [["0", "1"]], "scalars": ["1"]}));
    assert_eq!(message, "bases[0]: (0, 1) is not on the BN254 G1 curve");
}

#[test]
fn shapes_are_checked() {
    for (body, expect) in [
        (
            json!({"kind": "msm", "bases": [["1", "2"]], "scalars": ["1", "2"]}),
            "bases has 1 points but scalars has 2 values; they must match",
        ),
        (
            json!({"kind": "ntt", "values": ["1", "2", "3"]}),
            "values: an NTT's length must be a power of two ≥ 1, got 3",
        ),
        (json!({"kind": "ntt", "values": []}), "values: an NTT's length must be a power of two ≥ 1, got 0"),
        (
            json!({"kind": "ntt", "random": {"size": 12, "seed": 0}}),
            "random.size: an NTT's length must be a power of two ≥ 1, got 12",
        ),
        (
            json!({"kind": "merkle", "leaves": ["1"]}),
            "leaves: a Merkle tree needs a power of two leaves, at least 2, got 1",
        ),
        (
            json!({"kind": "merkle", "leaves": ["1", "2", "3"]}),
            "leaves: a Merkle tree needs a power of two leaves, at least 2, got 3",
        ),
        (
            json!({"kind": "merkle", "random": {"size": 0, "seed": 0}}),
            "random.size: a Merkle tree needs a power of two leaves, at least 2, got 0",
        ),
        (json!({"kind": "poseidon", "arity": 0, "inputs": []}), "arity: must be 1 to 16 (circomlib), got 0"),
        (json!({"kind": "poseidon", "arity": 17, "inputs": []}), "arity: must be 1 to 16 (circomlib), got 17"),
        (
            json!({"kind": "poseidon", "arity": 2, "inputs": [["1", "2"], ["1", "2", "3"]]}),
            "inputs[1]: has 3 elements but the arity is 2",
        ),
        (json!({"kind": "poseidon", "arity": 2, "inputs": [[]]}), "inputs[0]: has 0 elements but the arity is 2"),
    ] {
        assert_eq!(invalid(body.clone()), expect, "{body}");
    }
}

#[test]
fn unknown_fields_are_rejected() {
    for body in [
        json!({"kind": "msm", "bases": [], "scalars": [], "points": []}),
        json!({"kind": "merkle", "random": {"size": 2, "seed": 0, "extra": true}}),
        json!({"kind": "poseidon", "arity": 1, "inputs": [], "inverse": false}),
    ] {
        assert!(serde_json::from_value::<RawJob>(body.clone()).is_err(), "{body}");
    }
}

#[test]
fn sizes_above_the_limit_are_rejected_before_any_work() {
    let limits = RawJobLimits { max_elements: 4 };
    let too_large = |body: Value| job(body).prepare(&limits).unwrap_err();
    let ones = |n: usize| vec!["1"; n];
    let g = ["1", "2"];
    assert_eq!(
        too_large(json!({"kind": "msm", "bases": vec![g; 5], "scalars": ones(5)})),
        RawJobError::TooLarge { elements: 5, limit: 4 }
    );
    assert_eq!(too_large(json!({"kind": "ntt", "values": ones(8)})), RawJobError::TooLarge { elements: 8, limit: 4 });
    assert_eq!(
        too_large(json!({"kind": "poseidon", "arity": 3, "inputs": [ones(3), ones(3)]})),
        RawJobError::TooLarge { elements: 6, limit: 4 }
    );
    assert_eq!(
        too_large(json!({"kind": "merkle", "leaves": ones(8)})),
        RawJobError::TooLarge { elements: 8, limit: 4 }
    );
    // Random sizes are checked before anything is generated: this would not fit in memory.
    let huge = usize::MAX / 2;
    for body in [
        json!({"kind": "msm", "random": {"size": huge, "seed": 0}}),
        json!({"kind": "ntt", "random": {"size": huge + 1, "seed": 0}}),
        json!({"kind": "merkle", "random": {"size": huge + 1, "seed": 0}}),
    ] {
        assert!(matches!(too_large(body.clone()), RawJobError::TooLarge { limit: 4, .. }), "{body}");
    }
    assert_eq!(
        too_large(json!({"kind": "poseidon", "arity": 16, "random": {"size": huge, "seed": 0}})),
        RawJobError::TooLarge { elements: usize::MAX, limit: 4 }
    );
    // At the limit is fine; the default is 2^20.
    assert!(job(json!({"kind": "ntt", "values": ones(4)})).prepare(&limits).is_ok());
    assert_eq!(RawJobLimits::default().max_elements, 1 << 20);
    assert!(RawJobError::TooLarge { elements: 5, limit: 4 }.to_string().contains("5 input elements"));
}

// ---- results ----

#[test]
fn msm_matches_arkworks() {
    let prepared = prepare(json!({"kind": "msm", "random": {"size": 300, "seed": 11}})).unwrap();
    let PreparedRawJob::Msm { bases, scalars } = prepared.clone() else { panic!("an MSM") };
    assert_eq!(bases.len(), 300);
    let expected = G1Projective::msm(&bases, &scalars).unwrap().into_affine();
    assert_eq!(prepared.run(&CpuBackend::new()).unwrap(), point_json(expected));

    // The same inputs sent inline, half of them in hex.
    let inline_bases: Vec<[String; 2]> = bases.iter().map(g1_to_strings).collect();
    let inline_scalars: Vec<String> = scalars
        .iter()
        .enumerate()
        .map(|(i, s)| if i % 2 == 0 { to_decimal(*s) } else { format!("0x{:x}", num_bigint::BigUint::from(*s)) })
        .collect();
    let inline = run(json!({"kind": "msm", "bases": inline_bases, "scalars": inline_scalars}));
    assert_eq!(inline, point_json(expected));
}

#[test]
fn msm_edge_cases() {
    let g = G1Affine::generator();
    let g_strings = g1_to_strings(&g);
    let identity = ["0", "0"];
    // Empty: the identity.
    assert_eq!(run(json!({"kind": "msm", "bases": [], "scalars": []})), json!({"point": ["0", "0"]}));
    assert_eq!(run(json!({"kind": "msm", "random": {"size": 0, "seed": 3}})), json!({"point": ["0", "0"]}));
    // One term.
    assert_eq!(
        run(json!({"kind": "msm", "bases": [g_strings], "scalars": ["5"]})),
        point_json((g * Fr::from(5u64)).into_affine())
    );
    // r − 1 times G is −G.
    assert_eq!(run(json!({"kind": "msm", "bases": [g_strings], "scalars": [R_MINUS_1]})), point_json(-g));
    // Zero scalars and identity bases contribute nothing; G + (−G) is the identity.
    assert_eq!(
        run(json!({"kind": "msm", "bases": [g_strings, identity, g_strings], "scalars": ["0", "7", "3"]})),
        point_json((g * Fr::from(3u64)).into_affine())
    );
    assert_eq!(
        run(json!({"kind": "msm", "bases": [g_strings, g_strings], "scalars": ["1", R_MINUS_1]})),
        json!({"point": ["0", "0"]})
    );
    assert_eq!(run(json!({"kind": "msm", "bases": [identity], "scalars": ["9"]})), json!({"point": ["0", "0"]}));
}

#[test]
fn ntt_matches_ark_poly_both_ways() {
    for log_n in [0, 1, 3, 10] {
        let n = 1usize << log_n;
        let prepared = prepare(json!({"kind": "ntt", "random": {"size": n, "seed": 5}})).unwrap();
        let PreparedRawJob::Ntt { values, inverse: false } = prepared.clone() else { panic!("a forward NTT") };
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let forward = domain.fft(&values);
        assert_eq!(prepared.run(&CpuBackend::new()).unwrap(), json!({"values": strings(&forward)}), "n = {n}");
        let back = run(json!({"kind": "ntt", "values": strings(&forward), "inverse": true}));
        assert_eq!(back, json!({"values": strings(&values)}), "n = {n}");
        assert_eq!(domain.ifft(&forward), values);
    }
    // A constant polynomial evaluates to itself everywhere; r − 1 stays canonical.
    assert_eq!(
        run(json!({"kind": "ntt", "values": [R_MINUS_1, "0", "0", "0"]})),
        json!({"values": vec![R_MINUS_1; 4]})
    );
}

#[test]
fn poseidon_matches_circomlibjs_and_light_poseidon() {
    // circomlibjs: poseidon([1, 2]).
    let known = Fr::from(
        num_bigint::BigUint::parse_bytes(b"115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a", 16)
            .unwrap(),
    );
    assert_eq!(
        run(json!({"kind": "poseidon", "arity": 2, "inputs": [["1", "0x2"]]})),
        json!({"hashes": [to_decimal(known)]})
    );
    // No rows, no hashes.
    assert_eq!(run(json!({"kind": "poseidon", "arity": 3, "inputs": []})), json!({"hashes": []}));
    assert_eq!(run(json!({"kind": "poseidon", "arity": 3, "random": {"size": 0, "seed": 1}})), json!({"hashes": []}));
    // Every arity light-poseidon has, on random rows with a 0 and an r − 1 row.
    for arity in 1..=12 {
        let prepared =
            prepare(json!({"kind": "poseidon", "arity": arity, "random": {"size": 5, "seed": arity}})).unwrap();
        let PreparedRawJob::Poseidon { inputs, .. } = prepared.clone() else { panic!("Poseidon") };
        assert_eq!(inputs.len(), 5 * arity);
        let mut rows: Vec<Vec<Fr>> = inputs.chunks(arity).map(<[Fr]>::to_vec).collect();
        let expected: Vec<Fr> = rows.iter().map(|row| light_poseidon(row)).collect();
        assert_eq!(prepared.run(&CpuBackend::new()).unwrap(), json!({"hashes": strings(&expected)}), "arity {arity}");

        rows.push(vec![Fr::zero(); arity]);
        rows.push(vec![-Fr::one(); arity]);
        let expected: Vec<Fr> = rows.iter().map(|row| light_poseidon(row)).collect();
        let inline: Vec<Vec<String>> = rows.iter().map(|row| strings(row)).collect();
        let result = run(json!({"kind": "poseidon", "arity": arity, "inputs": inline}));
        assert_eq!(result, json!({"hashes": strings(&expected)}), "arity {arity}");
    }
    // Arity 16 (beyond light-poseidon) runs.
    let result = run(json!({"kind": "poseidon", "arity": 16, "random": {"size": 2, "seed": 0}}));
    assert_eq!(result["hashes"].as_array().unwrap().len(), 2);
}

#[test]
fn merkle_root_matches_hashing_pairs_by_hand() {
    let root_by_hand = |leaves: &[Fr]| -> Fr {
        let mut level = leaves.to_vec();
        while level.len() > 1 {
            level = level.chunks(2).map(light_poseidon).collect();
        }
        level[0]
    };
    // Two leaves: the root is Poseidon([1, 2]).
    let root = run(json!({"kind": "merkle", "leaves": ["1", "2"]}));
    assert_eq!(root, json!({"root": to_decimal(light_poseidon(&[Fr::from(1u64), Fr::from(2u64)]))}));
    for n in [4, 8, 64] {
        let prepared = prepare(json!({"kind": "merkle", "random": {"size": n, "seed": 9}})).unwrap();
        let PreparedRawJob::Merkle { leaves } = prepared.clone() else { panic!("Merkle") };
        let expected = json!({"root": to_decimal(root_by_hand(&leaves))});
        assert_eq!(prepared.run(&CpuBackend::new()).unwrap(), expected, "{n} leaves");
        assert_eq!(run(json!({"kind": "merkle", "leaves": strings(&leaves)})), expected, "{n} leaves inline");
    }
}

#[test]
fn random_inputs_are_deterministic_and_valid() {
    let body = |seed: u64| json!({"kind": "msm", "random": {"size": 2000, "seed": seed}});
    let a = prepare(body(1)).unwrap();
    assert_eq!(a, prepare(body(1)).unwrap());
    assert_ne!(a, prepare(body(2)).unwrap());
    let PreparedRawJob::Msm { bases, scalars } = a else { panic!("an MSM") };
    assert!(bases.iter().all(|p| p.is_on_curve() && !p.is_zero()));
    assert_ne!(scalars[0], scalars[1]);
    // A round trip through the inline form checks every generated point again.
    let inline: Vec<[String; 2]> = bases.iter().map(g1_to_strings).collect();
    let reparsed = prepare(json!({"kind": "msm", "bases": inline, "scalars": strings(&scalars)})).unwrap();
    assert_eq!(reparsed, PreparedRawJob::Msm { bases, scalars });
}

#[test]
fn random_msm_of_2_16_is_generated_quickly() {
    let start = std::time::Instant::now();
    let prepared = prepare(json!({"kind": "msm", "random": {"size": 1 << 16, "seed": 7}})).unwrap();
    let elapsed = start.elapsed();
    assert!(matches!(&prepared, PreparedRawJob::Msm { bases, .. } if bases.len() == 1 << 16));
    // About 0.1 s on two cores; generous for loaded CI machines.
    assert!(elapsed < std::time::Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn device_errors_carry_the_backend_message() {
    use zkaccel_backends::cpu::CpuConfig;
    let small =
        CpuBackend::with_config(CpuConfig { max_log_ntt: 2, id: "cpu:small".into(), ..CpuConfig::default() }).unwrap();
    let prepared = prepare(json!({"kind": "ntt", "random": {"size": 8, "seed": 0}})).unwrap();
    match prepared.run(&small) {
        Err(RawJobError::Device(message)) => {
            assert!(message.contains("cpu:small") && message.contains("limit"), "{message}")
        }
        other => panic!("expected a device error, got {other:?}"),
    }
}
