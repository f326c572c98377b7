//! Poseidon and Merkle checks against the reference and circomlibjs's published answers.

use ark_bn254::Fr;
use ark_ff::{One, Zero};

use super::inputs::scalars;
use super::SuiteSizes;
use crate::cpu::reference;
use crate::field_input::fr_from_str;
use crate::{Backend, MerkleOutput};

/// Known answers published in circomlibjs's tests.
pub const KNOWN_ANSWERS: [(&[u64], &str); 4] = [
    (&[1, 2], "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a"),
    (&[1, 2, 3, 4], "0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465"),
    (&[1], "18586133768512220936620570745912940619677854269274689475585506675881198879027"),
    (
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        "9989051620750914585850546081941653841776809718687451684622678807385399211877",
    ),
];

/// The four circomlibjs known answers, also embedded in a batch.
pub fn known_answers(backend: &dyn Backend, _sizes: SuiteSizes) {
    for (input, expected) in KNOWN_ANSWERS {
        let input: Vec<Fr> = input.iter().map(|&v| Fr::from(v)).collect();
        let expected = fr_from_str(expected).expect("valid constant");
        let got = backend.poseidon_hash_batch(&input, input.len()).expect("poseidon");
        assert_eq!(got, vec![expected], "Poseidon({} inputs) differs from circomlibjs", input.len());
        let twice: Vec<Fr> = input.iter().chain(input.iter()).copied().collect();
        let got = backend.poseidon_hash_batch(&twice, input.len()).expect("poseidon batch of two");
        assert_eq!(got, vec![expected, expected], "batch of two equal messages");
    }
}

/// Every arity 1..=16 over a batch of random messages, against the reference.
pub fn every_arity_matches_reference(backend: &dyn Backend, sizes: SuiteSizes) {
    for arity in 1..=16usize {
        let inputs = scalars(arity * sizes.poseidon_batch, 500 + arity as u64);
        let got = backend.poseidon_hash_batch(&inputs, arity).unwrap_or_else(|e| panic!("arity {arity}: {e}"));
        let expected: Vec<Fr> = inputs.chunks(arity).map(reference::poseidon::hash).collect();
        assert_eq!(got, expected, "Poseidon arity {arity} batch differs from the reference");
    }
    assert_eq!(backend.poseidon_hash_batch(&[], 2).expect("empty batch"), Vec::<Fr>::new(), "empty batch");
}

/// Zeros, r−1 and a batch of one.
pub fn edge_values(backend: &dyn Backend, _sizes: SuiteSizes) {
    for arity in [1usize, 2, 5, 16] {
        for value in [Fr::zero(), Fr::one(), -Fr::one()] {
            let input = vec![value; arity];
            let got = backend.poseidon_hash_batch(&input, arity).expect("poseidon");
            assert_eq!(got, vec![reference::poseidon::hash(&input)], "Poseidon of {arity}×{value}");
        }
    }
}

/// Merkle roots and levels for 1, 2, 4 … 2^max leaves, against the reference.
pub fn merkle_matches_reference(backend: &dyn Backend, sizes: SuiteSizes) {
    for log in 0..=sizes.max_log_merkle {
        let leaves = scalars(1 << log, 600 + log as u64);
        let expected = reference::poseidon::merkle_tree(&leaves, MerkleOutput::AllLevels);
        let all = backend.merkle_tree(&leaves, MerkleOutput::AllLevels).expect("merkle all levels");
        assert_eq!(all, expected, "Merkle tree of 2^{log} leaves differs from the reference");
        assert_eq!(all.levels.len(), log as usize + 1, "levels from leaves to root");
        assert_eq!(all.levels.last().map(|l| l.as_slice()), Some(&[all.root][..]), "last level is the root");
        let root_only = backend.merkle_tree(&leaves, MerkleOutput::RootOnly).expect("merkle root");
        assert_eq!(root_only.root, expected.root, "root-only Merkle 2^{log}");
        assert!(root_only.levels.is_empty(), "root-only returns no levels");
    }
    let pair = [Fr::from(1u64), Fr::from(2u64)];
    let root = backend.merkle_tree(&pair, MerkleOutput::RootOnly).expect("two leaves").root;
    assert_eq!(root, fr_from_str(KNOWN_ANSWERS[0].1).expect("constant"), "root of [1, 2] is Poseidon([1, 2])");
}
