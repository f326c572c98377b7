//! MSM checks: every backend against the CPU reference and arkworks.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};

use super::inputs::{edge_scalars, identity, points, scalars};
use super::SuiteSizes;
use crate::cpu::reference;
use crate::{Backend, BackendError, BasesGroup, BasesHandle, Op};

fn expect_g1(backend: &dyn Backend, bases: &[G1Affine], scalars: &[Fr], case: &str) {
    let expected = reference::msm::msm(bases, scalars);
    let got = backend.msm_g1(bases, scalars).unwrap_or_else(|e| panic!("{case}: msm_g1 failed: {e}"));
    assert_eq!(
        got.into_affine(),
        expected.into_affine(),
        "{case}: MSM G1 of {} points differs from the reference",
        bases.len()
    );
}

/// n = 0, 1, 2, 3, a few non-powers of two and powers of two up to 2^10, against the reference.
pub fn g1_small_sizes_match_reference(backend: &dyn Backend, sizes: SuiteSizes) {
    let max = 1usize << sizes.max_log_msm.min(10);
    let mut ns = vec![0, 1, 2, 3, 5, 7, 31, 100, 255, 257, 1000];
    ns.extend((0..=sizes.max_log_msm.min(10)).map(|k| 1usize << k));
    ns.retain(|&n| n <= max.max(3));
    for n in ns {
        let bases = points::<ark_bn254::g1::Config>(n, n as u64);
        let scalars = scalars(n, 1000 + n as u64);
        expect_g1(backend, &bases, &scalars, &format!("random n={n}"));
    }
}

/// Zero scalars, r−1, identity bases, all-equal bases, P and −P, small scalars only.
pub fn g1_edge_cases(backend: &dyn Backend, sizes: SuiteSizes) {
    let n = 1usize << sizes.max_log_msm.min(9);
    let bases = points::<ark_bn254::g1::Config>(n, 7);
    let g = G1Affine::generator();

    expect_g1(backend, &bases, &vec![Fr::zero(); n], "all scalars zero");
    expect_g1(backend, &bases, &vec![-Fr::one(); n], "all scalars r-1");
    expect_g1(backend, &bases, &edge_scalars(n, 8), "edge scalars (0, 1, r-1, r-2, 2^k, small)");
    expect_g1(backend, &vec![identity(); n], &scalars(n, 9), "all bases the identity");
    let mut with_identities = bases.clone();
    for p in with_identities.iter_mut().step_by(3) {
        *p = identity();
    }
    expect_g1(backend, &with_identities, &scalars(n, 10), "every third base the identity");
    expect_g1(backend, &vec![g; n], &scalars(n, 11), "all bases equal");
    expect_g1(backend, &vec![g; n], &vec![Fr::from(3u64); n], "all bases and scalars equal");
    let plus_minus: Vec<G1Affine> = (0..n).map(|i| if i % 2 == 0 { bases[i / 2] } else { -bases[i / 2] }).collect();
    let same: Vec<Fr> = scalars(n / 2 + 1, 12).into_iter().flat_map(|s| [s, s]).take(n).collect();
    expect_g1(backend, &plus_minus, &same, "P and -P with equal scalars cancel");
    let small: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i % 5)).collect();
    expect_g1(backend, &bases, &small, "small scalars only (0..5)");
    let one_bit: Vec<Fr> = (0..n).map(|i| if i % 3 == 0 { Fr::one() } else { Fr::zero() }).collect();
    expect_g1(backend, &bases, &one_bit, "0/1 scalars");
    expect_g1(backend, &[g], &[-Fr::one()], "single point, scalar r-1");
    expect_g1(backend, &[identity()], &[Fr::one()], "single identity point");
}

/// Random MSMs up to 2^max_log_msm (and one non-power of two) against arkworks.
pub fn g1_large_matches_arkworks(backend: &dyn Backend, sizes: SuiteSizes) {
    let max = 1usize << sizes.max_log_msm;
    for n in [max / 2 + 3, max] {
        let bases = points::<ark_bn254::g1::Config>(n, 21 + n as u64);
        let scalars = scalars(n, 22 + n as u64);
        let expected = G1Projective::msm(&bases, &scalars).expect("equal lengths");
        let got = backend.msm_g1(&bases, &scalars).unwrap_or_else(|e| panic!("msm_g1 n={n} failed: {e}"));
        assert_eq!(got.into_affine(), expected.into_affine(), "MSM G1 of {n} random points differs from arkworks");
    }
}

/// G2 against the reference, with edge cases; `Unsupported` is accepted only if the device
/// does not list G2 MSM among its capabilities.
pub fn g2_matches_reference(backend: &dyn Backend, sizes: SuiteSizes) {
    if !backend.info().supports(Op::MsmG2) {
        let err = backend.msm_g2(&[G2Affine::generator()], &[Fr::one()]).expect_err("G2 not listed yet it ran");
        assert!(matches!(err, BackendError::Unsupported { op: Op::MsmG2, .. }), "expected Unsupported, got {err}");
        return;
    }
    let max = 1usize << sizes.max_log_msm_g2;
    for n in [0, 1, 2, 3, 100, max] {
        let bases = points::<ark_bn254::g2::Config>(n, 31 + n as u64);
        let mut scalars = edge_scalars(n, 32 + n as u64);
        if n > 2 {
            scalars[1] = -Fr::one();
        }
        let mut bases_with_identity = bases.clone();
        if n > 1 {
            bases_with_identity[n / 2] = identity();
        }
        let expected = reference::msm::msm(&bases_with_identity, &scalars);
        let got = backend.msm_g2(&bases_with_identity, &scalars).unwrap_or_else(|e| panic!("msm_g2 n={n}: {e}"));
        assert_eq!(got.into_affine(), expected.into_affine(), "MSM G2 of {n} points differs from the reference");
    }
    let g = G2Affine::generator();
    let got = backend.msm_g2(&[g; 64], &vec![Fr::from(5u64); 64]).expect("msm_g2 all-equal");
    assert_eq!(got.into_affine(), (g * Fr::from(320u64)).into_affine(), "MSM G2 with all-equal bases");
}

/// Resident bases: load once, MSMs over the whole set and over sub-ranges, bad handles.
pub fn resident_bases(backend: &dyn Backend, sizes: SuiteSizes) {
    let n = 1usize << sizes.max_log_msm.min(12);
    let bases = points::<ark_bn254::g1::Config>(n, 41);
    let handle = backend.load_bases_g1(Arc::from(bases.clone())).expect("load_bases_g1");
    assert_eq!((handle.group, handle.len), (BasesGroup::G1, n), "handle describes the loaded bases");
    for (round, range) in [0..n, 0..n / 2, n / 3..n, 5..5, n - 1..n].into_iter().enumerate() {
        let scalars = scalars(range.len(), 42 + round as u64);
        let expected = G1Projective::msm(&bases[range.clone()], &scalars).expect("equal lengths");
        let got = backend
            .msm_g1_resident(handle, range.clone(), &scalars)
            .unwrap_or_else(|e| panic!("resident MSM over {range:?}: {e}"));
        assert_eq!(got.into_affine(), expected.into_affine(), "resident MSM over {range:?} differs from arkworks");
    }
    let err = backend.msm_g1_resident(handle, 0..n + 1, &scalars(n + 1, 43)).expect_err("range past the end");
    assert!(matches!(err, BackendError::InvalidInput(_)), "range past the end: {err}");
    let err = backend.msm_g1_resident(handle, 0..4, &scalars(3, 44)).expect_err("scalar count mismatch");
    assert!(matches!(err, BackendError::LengthMismatch { .. }), "scalar count mismatch: {err}");
    let err = backend.msm_g2_resident(handle, 0..1, &scalars(1, 45)).expect_err("G1 handle used for G2");
    assert!(
        matches!(
            err,
            BackendError::InvalidInput(_) | BackendError::UnknownHandle { .. } | BackendError::Unsupported { .. }
        ),
        "G1 handle used for a G2 MSM: {err}"
    );

    backend.unload_bases(handle).expect("unload");
    let err = backend.msm_g1_resident(handle, 0..1, &scalars(1, 46)).expect_err("unloaded handle");
    assert!(matches!(err, BackendError::UnknownHandle { .. }), "unloaded handle: {err}");
    let err = backend.unload_bases(handle).expect_err("double unload");
    assert!(matches!(err, BackendError::UnknownHandle { .. }), "double unload: {err}");
    let forged = BasesHandle { id: u64::MAX, group: BasesGroup::G1, len: 1 };
    assert!(matches!(backend.msm_g1_resident(forged, 0..1, &scalars(1, 47)), Err(BackendError::UnknownHandle { .. })));

    if backend.info().supports(Op::MsmG2) {
        let g2 = points::<ark_bn254::g2::Config>(16, 48);
        let h2 = backend.load_bases_g2(Arc::from(g2.clone())).expect("load_bases_g2");
        let s = scalars(16, 49);
        let got = backend.msm_g2_resident(h2, 0..16, &s).expect("resident G2 MSM");
        assert_eq!(got.into_affine(), reference::msm::msm(&g2, &s).into_affine(), "resident G2 MSM");
        backend.unload_bases(h2).expect("unload G2");
    }
}

/// Several threads calling MSM at once get their own correct answers.
pub fn concurrent_callers(backend: &dyn Backend, sizes: SuiteSizes) {
    let n = 1usize << sizes.max_log_msm.min(11);
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            scope.spawn(move || {
                let bases = points::<ark_bn254::g1::Config>(n, 50 + t);
                let scalars = scalars(n, 60 + t);
                let expected = G1Projective::msm(&bases, &scalars).expect("equal lengths");
                let got = backend.msm_g1(&bases, &scalars).expect("concurrent msm_g1");
                assert_eq!(got.into_affine(), expected.into_affine(), "concurrent MSM on thread {t}");
            });
        }
    });
}
