//! Reference Poseidon: circomlib's plain rounds, exactly as circomlibjs's `poseidon_reference.js`
//! runs them, and a level-by-level Merkle tree over it. Slow on purpose; the optimized
//! [`crate::cpu::poseidon`] is tested against it.

use ark_bn254::Fr;
use ark_ff::{Field, Zero};

use crate::cpu::poseidon::constants::{params, MAX_ARITY};
use crate::types::{MerkleOutput, MerkleTree};

/// Poseidon of 1..=16 inputs: state `[0, inputs...]`; each round adds its constants, raises every
/// element (full rounds) or `state[0]` only (partial rounds) to the 5th power, and multiplies by
/// the MDS matrix; the output is `state[0]`.
///
/// # Panics
/// If `inputs` is empty or longer than 16.
pub fn hash(inputs: &[Fr]) -> Fr {
    assert!((1..=MAX_ARITY).contains(&inputs.len()), "Poseidon takes 1..={MAX_ARITY} inputs, got {}", inputs.len());
    let p = params(inputs.len() + 1);
    let mut state: Vec<Fr> = std::iter::once(Fr::zero()).chain(inputs.iter().copied()).collect();
    for round in 0..p.rounds() {
        for (s, c) in state.iter_mut().zip(p.round_constants(round)) {
            *s += c;
        }
        if p.is_full_round(round) {
            state.iter_mut().for_each(|s| *s = s.pow([5u64]));
        } else {
            state[0] = state[0].pow([5u64]);
        }
        state = (0..p.t).map(|i| p.mds_row(i).iter().zip(&state).map(|(m, s)| *m * s).sum()).collect();
    }
    state[0]
}

/// Binary Merkle tree, node = [`hash`]`([left, right])`, built one level at a time.
///
/// # Panics
/// If the number of leaves is not a power of two.
pub fn merkle_tree(leaves: &[Fr], output: MerkleOutput) -> MerkleTree {
    assert!(leaves.len().is_power_of_two(), "a Merkle tree needs a power-of-two number of leaves");
    let mut levels = vec![leaves.to_vec()];
    while levels.last().map_or(0, Vec::len) > 1 {
        let below = levels.last().expect("at least the leaves");
        let next = below.chunks(2).map(hash).collect();
        levels.push(next);
    }
    let root = levels.last().expect("at least the leaves")[0];
    if output == MerkleOutput::RootOnly {
        levels.clear();
    }
    MerkleTree { root, levels }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, PrimeField};
    use std::str::FromStr;

    fn fr(n: u64) -> Fr {
        Fr::from(n)
    }

    fn hex(h: Fr) -> String {
        h.into_bigint().to_bytes_be().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn poseidon_reference_matches_published_answers() {
        assert_eq!(hex(hash(&[fr(1), fr(2)])), "115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a");
        assert_eq!(
            hex(hash(&[fr(1), fr(2), fr(3), fr(4)])),
            "299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465"
        );
        let one = Fr::from_str("18586133768512220936620570745912940619677854269274689475585506675881198879027");
        assert_eq!(Ok(hash(&[fr(1)])), one);
        let sixteen: Vec<Fr> = (1..=16).map(fr).collect();
        let expected = Fr::from_str("9989051620750914585850546081941653841776809718687451684622678807385399211877");
        assert_eq!(Ok(hash(&sixteen)), expected);
    }

    #[test]
    fn poseidon_reference_merkle_shapes() {
        let leaves: Vec<Fr> = (0..4).map(fr).collect();
        let all = merkle_tree(&leaves, MerkleOutput::AllLevels);
        let l = [hash(&[fr(0), fr(1)]), hash(&[fr(2), fr(3)])];
        assert_eq!(all.root, hash(&l));
        assert_eq!(all.levels, vec![leaves.clone(), l.to_vec(), vec![all.root]]);
        let root_only = merkle_tree(&leaves, MerkleOutput::RootOnly);
        assert_eq!(root_only, MerkleTree { root: all.root, levels: vec![] });
        assert_eq!(merkle_tree(&[fr(9)], MerkleOutput::RootOnly).root, fr(9));
    }

    #[test]
    #[should_panic(expected = "1..=16 inputs")]
    fn poseidon_reference_rejects_17_inputs() {
        hash(&[Fr::zero(); 17]);
    }
}
