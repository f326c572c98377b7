//! The optimized Poseidon against the reference, light-poseidon, and itself in batches and trees.

use ark_bn254::Fr;
use ark_ff::{UniformRand, Zero};
use light_poseidon::{Poseidon, PoseidonHasher};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{hash, hash_batch, merkle_tree, MAX_ARITY};
use crate::cpu::reference::poseidon as reference;
use crate::types::{MerkleOutput, MerkleTree};

fn random(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

#[test]
fn poseidon_optimized_equals_reference_every_arity() {
    for arity in 1..=MAX_ARITY {
        for seed in 0..4 {
            let inputs = random(arity, 1000 * arity as u64 + seed);
            assert_eq!(hash(&inputs), reference::hash(&inputs), "arity {arity}, seed {seed}");
        }
        let edge = [vec![Fr::zero(); arity], vec![-Fr::from(1u64); arity]];
        for inputs in edge {
            assert_eq!(hash(&inputs), reference::hash(&inputs), "arity {arity}, edge input");
        }
    }
}

#[test]
fn poseidon_optimized_equals_light_poseidon() {
    // light-poseidon 0.5's circom parameters stop at width 13 (12 inputs).
    for arity in 1..=12 {
        let mut hasher = Poseidon::<Fr>::new_circom(arity).expect("light-poseidon supports this arity");
        for seed in 0..3 {
            let inputs = random(arity, 77 + 100 * arity as u64 + seed);
            assert_eq!(Ok(hash(&inputs)), hasher.hash(&inputs), "arity {arity}, seed {seed}");
        }
    }
    assert!(Poseidon::<Fr>::new_circom(13).is_err(), "light-poseidon grew support: extend the loop above");
}

#[test]
fn poseidon_hash_batch_equals_one_by_one() {
    for arity in [1, 2, 3, 5, 16] {
        let inputs = random(arity * 37, arity as u64);
        let expected: Vec<Fr> = inputs.chunks(arity).map(hash).collect();
        assert_eq!(hash_batch(&inputs, arity), expected, "arity {arity}");
    }
    assert!(hash_batch(&[], 2).is_empty());
}

#[test]
#[should_panic(expected = "1..=16 inputs")]
fn poseidon_hash_rejects_17_inputs() {
    hash(&random(17, 3));
}

#[test]
#[should_panic(expected = "do not split")]
fn poseidon_hash_batch_rejects_ragged_input() {
    hash_batch(&random(5, 1), 2);
}

#[test]
fn poseidon_merkle_small_trees_match_manual_hashing() {
    let leaves = random(4, 9);
    let one = merkle_tree(&leaves[..1], MerkleOutput::AllLevels);
    assert_eq!(one, MerkleTree { root: leaves[0], levels: vec![vec![leaves[0]]] });
    assert_eq!(merkle_tree(&leaves[..1], MerkleOutput::RootOnly), MerkleTree { root: leaves[0], levels: vec![] });

    let two = merkle_tree(&leaves[..2], MerkleOutput::AllLevels);
    let root2 = hash(&leaves[..2]);
    assert_eq!(two, MerkleTree { root: root2, levels: vec![leaves[..2].to_vec(), vec![root2]] });

    let four = merkle_tree(&leaves, MerkleOutput::AllLevels);
    let mid = vec![hash(&leaves[..2]), hash(&leaves[2..])];
    let root4 = hash(&mid);
    assert_eq!(four, MerkleTree { root: root4, levels: vec![leaves.clone(), mid, vec![root4]] });
    assert_eq!(merkle_tree(&leaves, MerkleOutput::RootOnly), MerkleTree { root: root4, levels: vec![] });
}

#[test]
fn poseidon_merkle_1024_leaves_matches_reference() {
    let leaves = random(1 << 10, 10);
    let fast = merkle_tree(&leaves, MerkleOutput::AllLevels);
    assert_eq!(fast, reference::merkle_tree(&leaves, MerkleOutput::AllLevels));
    assert_eq!(fast.levels.len(), 11);
    for (k, level) in fast.levels.iter().enumerate() {
        assert_eq!(level.len(), 1 << (10 - k));
    }
    for pair in fast.levels.windows(2) {
        let expected: Vec<Fr> = pair[0].chunks(2).map(hash).collect();
        assert_eq!(pair[1], expected);
    }
    let root_only = merkle_tree(&leaves, MerkleOutput::RootOnly);
    assert_eq!(root_only, MerkleTree { root: fast.root, levels: vec![] });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn poseidon_optimized_equals_reference_prop(arity in 1..=MAX_ARITY, seed in any::<u64>()) {
        let inputs = random(arity, seed);
        prop_assert_eq!(hash(&inputs), reference::hash(&inputs));
    }
}
