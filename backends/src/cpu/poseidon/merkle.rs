//! Binary Poseidon Merkle trees, one rayon-parallel pass per level.

use ark_bn254::Fr;

use super::batch_t;
use crate::types::{MerkleOutput, MerkleTree};

/// The next level up: `hash([left, right])` for each consecutive pair, in parallel.
fn level_up(below: &[Fr]) -> Vec<Fr> {
    batch_t::<3>(below)
}

/// The tree over `leaves` (a power of two, ≥ 1; the caller checks). One leaf is its own root.
pub fn merkle_tree(leaves: &[Fr], output: MerkleOutput) -> MerkleTree {
    debug_assert!(leaves.len().is_power_of_two());
    match output {
        MerkleOutput::RootOnly => {
            if leaves.len() == 1 {
                return MerkleTree { root: leaves[0], levels: Vec::new() };
            }
            let mut level = level_up(leaves);
            while level.len() > 1 {
                level = level_up(&level);
            }
            MerkleTree { root: level[0], levels: Vec::new() }
        }
        MerkleOutput::AllLevels => {
            let mut levels = vec![leaves.to_vec()];
            while let Some(below) = levels.last().filter(|l| l.len() > 1) {
                let next = level_up(below);
                levels.push(next);
            }
            let root = levels.last().expect("at least the leaves")[0];
            MerkleTree { root, levels }
        }
    }
}
