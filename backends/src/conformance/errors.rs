//! Self-description and error checks: bad input is a typed error, never a panic.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;

use super::inputs::scalars;
use super::SuiteSizes;
use crate::{Backend, BackendError, Coset, MerkleOutput, NttConfig, Op};

/// The device describes itself: an id, a name, compute units and a limit per listed op.
pub fn device_info_is_consistent(backend: &dyn Backend, _sizes: SuiteSizes) {
    let info = backend.info();
    assert!(!info.id.is_empty(), "device id is empty");
    assert!(!info.name.is_empty(), "device name is empty");
    assert!(info.compute_units > 0, "{} reports no compute units", info.id);
    assert!(info.supports(Op::MsmG1), "{} must support MSM G1", info.id);
    for cap in &info.capabilities {
        assert!(cap.max_size > 0, "{}: limit of {} is zero", info.id, cap.op);
    }
    let mut ops: Vec<Op> = info.capabilities.iter().map(|c| c.op).collect();
    ops.sort();
    ops.dedup();
    assert_eq!(ops.len(), info.capabilities.len(), "{}: an op is listed twice", info.id);
}

/// Every op the device does not list answers `Unsupported` naming that op.
pub fn unsupported_ops_answer_unsupported(backend: &dyn Backend, _sizes: SuiteSizes) {
    let info = backend.info().clone();
    for op in Op::ALL.into_iter().filter(|op| !info.supports(*op)) {
        let result = match op {
            Op::MsmG1 => backend.msm_g1(&[G1Affine::generator()], &[Fr::from(1u64)]).map(|_| ()),
            Op::MsmG2 => backend.msm_g2(&[G2Affine::generator()], &[Fr::from(1u64)]).map(|_| ()),
            Op::Ntt => backend.ntt(&mut [Fr::from(1u64); 4], NttConfig::FORWARD),
            Op::Poseidon => backend.poseidon_hash_batch(&[Fr::from(1u64); 2], 2).map(|_| ()),
            Op::MerkleTree => backend.merkle_tree(&[Fr::from(1u64); 2], MerkleOutput::RootOnly).map(|_| ()),
            Op::ResidentBases => backend.load_bases_g1(Arc::from(vec![G1Affine::generator()])).map(|_| ()),
        };
        match result {
            Err(BackendError::Unsupported { op: reported, .. }) => {
                assert_eq!(reported, op, "{}: wrong op named", info.id)
            }
            other => panic!("{}: {op} is not listed, so it must answer Unsupported, got {other:?}", info.id),
        }
    }
}

/// Length mismatches, non-powers of two, bad arities and counts answer the right variant.
pub fn bad_input_is_a_typed_error(backend: &dyn Backend, _sizes: SuiteSizes) {
    let g = G1Affine::generator();
    let err = backend.msm_g1(&[g, g], &scalars(3, 1)).expect_err("2 bases, 3 scalars");
    assert!(matches!(err, BackendError::LengthMismatch { expected: 2, got: 3, .. }), "MSM G1 length mismatch: {err}");
    if backend.info().supports(Op::MsmG2) {
        let err = backend.msm_g2(&[G2Affine::generator()], &[]).expect_err("1 base, 0 scalars");
        assert!(matches!(err, BackendError::LengthMismatch { .. }), "MSM G2 length mismatch: {err}");
    }
    if backend.info().supports(Op::Ntt) {
        for len in [0usize, 3, 6, 12, 1000] {
            let err = backend.ntt(&mut scalars(len, 2), NttConfig::FORWARD).expect_err("not a power of two");
            assert!(matches!(err, BackendError::NotPowerOfTwo { size, .. } if size == len), "NTT length {len}: {err}");
        }
        let err = backend.ntt_batch(&mut scalars(12, 3), 8, NttConfig::INVERSE).expect_err("12 is not a multiple of 8");
        assert!(matches!(err, BackendError::LengthMismatch { .. }), "NTT batch remainder: {err}");
        let err = backend.ntt_batch(&mut scalars(12, 3), 3, NttConfig::FORWARD).expect_err("batch of size 3");
        assert!(matches!(err, BackendError::NotPowerOfTwo { .. }), "NTT batch length 3: {err}");
        let mut data = scalars(4, 4);
        let before = data.clone();
        let _ = backend.ntt_batch(&mut data, 0, NttConfig::forward_on(Coset::Generator)).expect_err("ntt_len 0");
        assert_eq!(data, before, "a rejected NTT must leave the data untouched");
    }
    if backend.info().supports(Op::Poseidon) {
        for arity in [0usize, 17] {
            let err = backend.poseidon_hash_batch(&scalars(34, 5), arity).expect_err("bad arity");
            assert!(matches!(err, BackendError::InvalidInput(_)), "arity {arity}: {err}");
        }
        let err = backend.poseidon_hash_batch(&scalars(5, 6), 2).expect_err("5 inputs, arity 2");
        assert!(matches!(err, BackendError::LengthMismatch { .. }), "Poseidon remainder: {err}");
    }
    if backend.info().supports(Op::MerkleTree) {
        for leaves in [0usize, 3, 6] {
            let err = backend.merkle_tree(&scalars(leaves, 7), MerkleOutput::AllLevels).expect_err("bad leaf count");
            assert!(matches!(err, BackendError::NotPowerOfTwo { .. }), "Merkle with {leaves} leaves: {err}");
        }
    }
}
