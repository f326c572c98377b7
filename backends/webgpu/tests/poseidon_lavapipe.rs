//! `poseidon.wgsl` through [`PoseidonEngine`] on the test adapter, against the CPU backend's
//! Poseidon (itself held to the textbook reference) and circomlibjs's published answers: every
//! arity, edge inputs, Merkle trees of every size up to 1024 leaves, and inputs larger than a
//! small binding cap (chunked batches and Merkle levels).

use std::sync::Arc;

use ark_bn254::Fr;
use ark_ff::{UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::conformance::poseidon::KNOWN_ANSWERS;
use zkaccel_backends::conformance::report_skip;
use zkaccel_backends::cpu::poseidon as cpu;
use zkaccel_backends::field_input::fr_from_str;
use zkaccel_backends::{BackendError, MerkleOutput, MerkleTree};
use zkaccel_webgpu::poseidon::PoseidonEngine;
use zkaccel_webgpu::testing::{open_test_context, shared_test_context};
use zkaccel_webgpu::ContextOptions;

fn random(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

fn engine(name: &str) -> Option<PoseidonEngine> {
    match shared_test_context() {
        Ok(ctx) => Some(PoseidonEngine::new(ctx)),
        Err(reason) => {
            report_skip(name, &reason);
            None
        }
    }
}

#[test]
fn poseidon_matches_circomlibjs_known_answers() {
    let Some(engine) = engine("poseidon_matches_circomlibjs_known_answers") else { return };
    for (input, expected) in KNOWN_ANSWERS {
        let input: Vec<Fr> = input.iter().map(|&v| Fr::from(v)).collect();
        let expected = fr_from_str(expected).expect("valid constant");
        let twice: Vec<Fr> = input.iter().chain(&input).copied().collect();
        let got = engine.hash_batch(&twice, input.len()).expect("poseidon");
        assert_eq!(got, vec![expected, expected], "Poseidon({} inputs) differs from circomlibjs", input.len());
    }
}

#[test]
fn poseidon_every_arity_matches_cpu() {
    let Some(engine) = engine("poseidon_every_arity_matches_cpu") else { return };
    for arity in 1..=16usize {
        // Message 0 all zeros, message 1 all r − 1, then random ones.
        let mut inputs = vec![Fr::zero(); arity];
        inputs.extend(vec![-Fr::from(1u64); arity]);
        inputs.extend(random(63 * arity, 40 + arity as u64));
        for messages in [1, 2, 65] {
            let batch = &inputs[..messages * arity];
            let got = engine.hash_batch(batch, arity).unwrap_or_else(|e| panic!("arity {arity}: {e}"));
            assert_eq!(got, cpu::hash_batch(batch, arity), "arity {arity}, {messages} messages");
        }
    }
}

#[test]
fn poseidon_rejects_bad_arguments_without_panicking() {
    let Some(engine) = engine("poseidon_rejects_bad_arguments_without_panicking") else { return };
    assert!(engine.hash_batch(&[], 2).expect("empty batch").is_empty());
    assert!(matches!(engine.hash_batch(&random(3, 1), 2), Err(BackendError::InvalidInput(_))));
    assert!(matches!(engine.hash_batch(&random(17, 1), 17), Err(BackendError::InvalidInput(_))));
    assert!(matches!(engine.hash_batch(&random(2, 1), 0), Err(BackendError::InvalidInput(_))));
    for bad in [0, 3, 6] {
        let result = engine.merkle_tree(&random(bad, 2), MerkleOutput::RootOnly);
        assert!(matches!(result, Err(BackendError::NotPowerOfTwo { .. })), "{bad} leaves");
    }
    let leaf = random(1, 3);
    let one = engine.merkle_tree(&leaf, MerkleOutput::AllLevels).expect("one leaf");
    assert_eq!(one, MerkleTree { root: leaf[0], levels: vec![leaf.clone()] });
}

fn check_trees(engine: &PoseidonEngine, sizes: impl Iterator<Item = u32>, seed: u64) {
    for log in sizes {
        let leaves = random(1 << log, seed + u64::from(log));
        let expected = cpu::merkle_tree(&leaves, MerkleOutput::AllLevels);
        let all = engine.merkle_tree(&leaves, MerkleOutput::AllLevels).unwrap_or_else(|e| panic!("2^{log}: {e}"));
        assert_eq!(all, expected, "AllLevels, 2^{log} leaves");
        let root = engine.merkle_tree(&leaves, MerkleOutput::RootOnly).unwrap_or_else(|e| panic!("2^{log}: {e}"));
        assert_eq!(root, MerkleTree { root: expected.root, levels: Vec::new() }, "RootOnly, 2^{log} leaves");
    }
}

#[test]
fn merkle_trees_up_to_1024_leaves_match_cpu() {
    let Some(engine) = engine("merkle_trees_up_to_1024_leaves_match_cpu") else { return };
    check_trees(&engine, 1..=10, 500);
}

/// 16 KiB bindings: 512 elements per buffer (the constant tables are not capped).
const SMALL_CAP: u64 = 16 << 10;

#[test]
fn chunked_batches_and_trees_match_cpu() {
    let ctx = match open_test_context(ContextOptions { max_binding_bytes: Some(SMALL_CAP), ..Default::default() }) {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("chunked_batches_and_trees_match_cpu", &reason),
    };
    assert_eq!(ctx.limits().max_binding_bytes, SMALL_CAP);
    let engine = PoseidonEngine::new(Arc::clone(&ctx));
    // 1100 messages: three chunks for arity 1 (512 per buffer), five for arity 2, seven for 3;
    // arity 16 (17 elements per message) takes 37 chunks.
    for arity in [1usize, 2, 3, 16] {
        let inputs = random(1100 * arity, 70 + arity as u64);
        let got = engine.hash_batch(&inputs, arity).unwrap_or_else(|e| panic!("arity {arity}: {e}"));
        assert_eq!(got, cpu::hash_batch(&inputs, arity), "chunked batch, arity {arity}");
    }
    // 2048 and 4096 leaves: levels of 4 and 8 buffers, then 2, then one.
    check_trees(&engine, [9, 10, 11, 12].into_iter(), 900);
}
