//! Input checks shared by every backend, so all of them reject bad input the same way.

use crate::error::{BackendError, Result};
use crate::types::{BasesGroup, BasesHandle, Coset, DeviceInfo, Op};

/// Largest NTT length over BN254's Fr: its 2-adicity is 28.
pub const MAX_LOG_NTT: u32 = 28;
/// Largest NTT length on the odd coset ω_{2n}·H, which needs a 2n-th root of unity.
pub const MAX_LOG_NTT_ODD_COSET: u32 = MAX_LOG_NTT - 1;
/// Poseidon arities (inputs per hash) circomlib defines.
pub const POSEIDON_ARITIES: std::ops::RangeInclusive<usize> = 1..=16;

fn limit_of(info: &DeviceInfo, op: Op, reason: &str) -> Result<usize> {
    info.limit(op).ok_or_else(|| BackendError::Unsupported { op, device: info.id.clone(), reason: reason.to_string() })
}

fn check_size(info: &DeviceInfo, op: Op, size: usize) -> Result<()> {
    let limit = limit_of(info, op, "this backend does not implement it")?;
    if size > limit {
        return Err(BackendError::SizeAboveLimit { op, size, limit, device: info.id.clone() });
    }
    Ok(())
}

/// Checks an MSM's input lengths and the device's limit for `op` (MsmG1 or MsmG2).
pub fn msm(info: &DeviceInfo, op: Op, bases: usize, scalars: usize) -> Result<()> {
    if bases != scalars {
        return Err(BackendError::LengthMismatch { what: "MSM scalars vs bases", expected: bases, got: scalars });
    }
    check_size(info, op, scalars)
}

/// Checks an MSM over resident bases: group, range inside the handle, scalar count.
pub fn msm_resident(
    info: &DeviceInfo,
    handle: &BasesHandle,
    group: BasesGroup,
    range: &std::ops::Range<usize>,
    scalars: usize,
) -> Result<()> {
    let op = match group {
        BasesGroup::G1 => Op::MsmG1,
        BasesGroup::G2 => Op::MsmG2,
    };
    if handle.group != group {
        return Err(BackendError::InvalidInput(format!(
            "bases handle {} holds {:?} points but a {:?} MSM was requested",
            handle.id, handle.group, group
        )));
    }
    if range.start > range.end || range.end > handle.len {
        return Err(BackendError::InvalidInput(format!(
            "point range {}..{} is outside the {} bases behind handle {}",
            range.start, range.end, handle.len, handle.id
        )));
    }
    msm(info, op, range.len(), scalars)
}

/// Checks the size of bases about to be made resident.
pub fn load_bases(info: &DeviceInfo, group: BasesGroup, len: usize) -> Result<()> {
    let op = match group {
        BasesGroup::G1 => Op::MsmG1,
        BasesGroup::G2 => Op::MsmG2,
    };
    limit_of(info, op, "this backend has no MSM for that group")?;
    check_size(info, Op::ResidentBases, len)
}

/// Checks an NTT length: a power of two (1 is allowed), within 2^28 (2^27 on the odd coset)
/// and the device's limit. Returns log2 of the length.
pub fn ntt_len(info: &DeviceInfo, len: usize, coset: Coset) -> Result<u32> {
    if !len.is_power_of_two() {
        return Err(BackendError::NotPowerOfTwo { what: "NTT length", size: len });
    }
    let log = len.trailing_zeros();
    let field_max = if coset == Coset::OddPowersOf2n { MAX_LOG_NTT_ODD_COSET } else { MAX_LOG_NTT };
    if log > field_max {
        return Err(BackendError::SizeAboveLimit {
            op: Op::Ntt,
            size: len,
            limit: 1 << field_max,
            device: info.id.clone(),
        });
    }
    check_size(info, Op::Ntt, len)?;
    Ok(log)
}

/// Checks a batch of NTTs: `data_len` a multiple of `ntt_len`. Returns log2 of `ntt_len`.
pub fn ntt_batch(info: &DeviceInfo, data_len: usize, ntt_len: usize, coset: Coset) -> Result<u32> {
    let log = self::ntt_len(info, ntt_len, coset)?;
    if !data_len.is_multiple_of(ntt_len) {
        return Err(BackendError::LengthMismatch {
            what: "NTT batch data (a multiple of the NTT length)",
            expected: (data_len / ntt_len + 1) * ntt_len,
            got: data_len,
        });
    }
    Ok(log)
}

/// Checks a Poseidon batch: arity within 1..=16 and `inputs` a whole number of messages.
/// Returns the number of hashes.
pub fn poseidon(info: &DeviceInfo, inputs: usize, arity: usize) -> Result<usize> {
    if !POSEIDON_ARITIES.contains(&arity) {
        return Err(BackendError::InvalidInput(format!(
            "Poseidon arity {arity} is outside circomlib's 1..=16 inputs per hash"
        )));
    }
    if !inputs.is_multiple_of(arity) {
        return Err(BackendError::LengthMismatch {
            what: "Poseidon inputs (a multiple of the arity)",
            expected: (inputs / arity + 1) * arity,
            got: inputs,
        });
    }
    let count = inputs / arity;
    check_size(info, Op::Poseidon, count)?;
    Ok(count)
}

/// Checks Merkle leaves: a power of two, at least one, within the device's limit.
pub fn merkle(info: &DeviceInfo, leaves: usize) -> Result<()> {
    if !leaves.is_power_of_two() {
        return Err(BackendError::NotPowerOfTwo { what: "Merkle leaf count", size: leaves });
    }
    check_size(info, Op::MerkleTree, leaves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{DeviceKind, OpLimit};

    fn device_with(caps: Vec<OpLimit>) -> DeviceInfo {
        DeviceInfo {
            id: "test:0".into(),
            kind: DeviceKind::Fpga,
            name: "test device".into(),
            memory_bytes: 1 << 20,
            compute_units: 1,
            capabilities: caps,
        }
    }

    #[test]
    fn ops_a_device_lacks_are_unsupported() {
        let info = device_with(vec![OpLimit { op: Op::MsmG1, max_size: 1 << 10 }]);
        for result in [
            msm(&info, Op::MsmG2, 1, 1).map(|_| ()),
            ntt_len(&info, 8, Coset::None).map(|_| ()),
            poseidon(&info, 2, 2).map(|_| ()),
            merkle(&info, 2),
            load_bases(&info, BasesGroup::G2, 1),
            load_bases(&info, BasesGroup::G1, 1),
        ] {
            assert!(
                matches!(result, Err(BackendError::Unsupported { ref device, .. }) if device == "test:0"),
                "{result:?}"
            );
        }
        assert_eq!(msm(&info, Op::MsmG1, 1024, 1024), Ok(()));
        assert!(matches!(msm(&info, Op::MsmG1, 1025, 1025), Err(BackendError::SizeAboveLimit { limit: 1024, .. })));
    }

    #[test]
    fn resident_ranges_and_groups_are_checked() {
        let info = device_with(vec![
            OpLimit { op: Op::MsmG1, max_size: 100 },
            OpLimit { op: Op::ResidentBases, max_size: 100 },
        ]);
        let handle = BasesHandle { id: 3, group: BasesGroup::G1, len: 10 };
        assert_eq!(msm_resident(&info, &handle, BasesGroup::G1, &(2..10), 8), Ok(()));
        assert!(matches!(
            msm_resident(&info, &handle, BasesGroup::G1, &(2..11), 9),
            Err(BackendError::InvalidInput(_))
        ));
        assert!(matches!(
            msm_resident(&info, &handle, BasesGroup::G1, &(2..10), 7),
            Err(BackendError::LengthMismatch { expected: 8, got: 7, .. })
        ));
        assert!(matches!(msm_resident(&info, &handle, BasesGroup::G2, &(0..1), 1), Err(BackendError::InvalidInput(_))));
    }

    #[test]
    fn poseidon_and_ntt_shapes() {
        let info =
            device_with(vec![OpLimit { op: Op::Ntt, max_size: 1 << 20 }, OpLimit { op: Op::Poseidon, max_size: 10 }]);
        assert_eq!(poseidon(&info, 20, 2), Ok(10));
        assert!(matches!(poseidon(&info, 22, 2), Err(BackendError::SizeAboveLimit { size: 11, .. })));
        assert!(matches!(poseidon(&info, 3, 2), Err(BackendError::LengthMismatch { .. })));
        assert_eq!(ntt_len(&info, 1, Coset::OddPowersOf2n), Ok(0));
        assert_eq!(ntt_batch(&info, 0, 4, Coset::None), Ok(2));
        assert!(matches!(ntt_batch(&info, 4, 0, Coset::None), Err(BackendError::NotPowerOfTwo { size: 0, .. })));
    }
}
