//! MSMs through the scheduler: split by points, shares run concurrently, partial sums added;
//! resident bases loaded once per device; every share's result checked.

use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ark_bn254::{g1, g2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::Zero;
use rand::Rng;
use zkaccel_backends::{validate, Backend, BackendError, BasesGroup, BasesHandle, Op, Result};

use super::faults::{Fault, FaultKind};
use super::{check, exec, run_parts, trace, Inner, ResidentPoints, ResidentSet};

/// G1 or G2: the calls and sizes that differ between them.
pub(super) trait Group: SWCurveConfig<ScalarField = Fr> + 'static {
    const OP: Op;
    /// Bytes of an affine point as the caller holds it.
    const POINT_BYTES: u64;
    fn run_msm(b: &dyn Backend, bases: &[Affine<Self>], scalars: &[Fr]) -> Result<Projective<Self>>;
    fn msm_resident(b: &dyn Backend, h: BasesHandle, r: Range<usize>, s: &[Fr]) -> Result<Projective<Self>>;
    fn load(b: &dyn Backend, bases: Arc<[Affine<Self>]>) -> Result<BasesHandle>;
    fn points(set: &ResidentPoints) -> Option<&Arc<[Affine<Self>]>>;
}

impl Group for g1::Config {
    const OP: Op = Op::MsmG1;
    const POINT_BYTES: u64 = std::mem::size_of::<Affine<g1::Config>>() as u64;
    fn run_msm(b: &dyn Backend, bases: &[Affine<Self>], scalars: &[Fr]) -> Result<Projective<Self>> {
        b.msm_g1(bases, scalars)
    }
    fn msm_resident(b: &dyn Backend, h: BasesHandle, r: Range<usize>, s: &[Fr]) -> Result<Projective<Self>> {
        b.msm_g1_resident(h, r, s)
    }
    fn load(b: &dyn Backend, bases: Arc<[Affine<Self>]>) -> Result<BasesHandle> {
        b.load_bases_g1(bases)
    }
    fn points(set: &ResidentPoints) -> Option<&Arc<[Affine<Self>]>> {
        match set {
            ResidentPoints::G1(p) => Some(p),
            ResidentPoints::G2(_) => None,
        }
    }
}

impl Group for g2::Config {
    const OP: Op = Op::MsmG2;
    const POINT_BYTES: u64 = std::mem::size_of::<Affine<g2::Config>>() as u64;
    fn run_msm(b: &dyn Backend, bases: &[Affine<Self>], scalars: &[Fr]) -> Result<Projective<Self>> {
        b.msm_g2(bases, scalars)
    }
    fn msm_resident(b: &dyn Backend, h: BasesHandle, r: Range<usize>, s: &[Fr]) -> Result<Projective<Self>> {
        b.msm_g2_resident(h, r, s)
    }
    fn load(b: &dyn Backend, bases: Arc<[Affine<Self>]>) -> Result<BasesHandle> {
        b.load_bases_g2(bases)
    }
    fn points(set: &ResidentPoints) -> Option<&Arc<[Affine<Self>]>> {
        match set {
            ResidentPoints::G2(p) => Some(p),
            ResidentPoints::G1(_) => None,
        }
    }
}

/// Where an MSM's bases are.
pub(super) enum Src<'a, G: Group> {
    /// Passed by the caller.
    Slice(&'a [Affine<G>]),
    /// Resident; the MSM's point 0 is the set's point `offset`.
    Resident(Arc<ResidentSet>, usize),
}

/// Bases of one device call sequence.
enum Bases<'a, G: Group> {
    Slice(&'a [Affine<G>]),
    Handle(BasesHandle, usize),
}

/// The tiny MSM a probe runs: 1·G + 2·2G + 3·3G + 4·4G = 30·G.
pub(super) fn probe(backend: &dyn Backend) -> Result<(), Fault> {
    let g = Projective::<g1::Config>::generator();
    let bases: Vec<Affine<g1::Config>> = (1..=4u64).map(|k| (g * Fr::from(k)).into_affine()).collect();
    let scalars: Vec<Fr> = (1..=4u64).map(Fr::from).collect();
    let got = exec::inline(|| backend.msm_g1(&bases, &scalars))?;
    if got != g * Fr::from(30u64) {
        return Err(Fault::new(FaultKind::WrongResult, "the probe MSM gave a wrong answer"));
    }
    Ok(())
}

/// Runs `scalars` against `bases` on device `i` in calls of at most `cap` points, counting
/// each call in the device's metrics.
fn run_chunks<G: Group>(
    inner: &Inner,
    i: usize,
    bases: Bases<'_, G>,
    scalars: &[Fr],
    cap: usize,
) -> Result<Projective<G>, Fault> {
    let d = &inner.devices[i];
    let mut acc = Projective::<G>::zero();
    for (k, chunk) in scalars.chunks(cap.max(1)).enumerate() {
        let lo = k * cap;
        let start = Instant::now();
        let (point, bytes) = match &bases {
            Bases::Slice(b) => (G::run_msm(d.backend.as_ref(), &b[lo..lo + chunk.len()], chunk), G::POINT_BYTES + 32),
            Bases::Handle(h, offset) => {
                let range = offset + lo..offset + lo + chunk.len();
                (G::msm_resident(d.backend.as_ref(), *h, range, chunk), 32)
            }
        };
        let ns = start.elapsed().as_nanos() as u64;
        d.metrics.call(ns, bytes * chunk.len() as u64 + 3 * G::POINT_BYTES, chunk.len() as u64);
        acc += point.map_err(|e| Fault::from_error(&e))?;
    }
    Ok(acc)
}

impl Inner {
    /// An MSM over `src` (validated by the caller).
    pub(super) fn msm<G: Group>(self: &Arc<Self>, src: Src<'_, G>, scalars: &[Fr]) -> Result<Projective<G>> {
        let n = scalars.len();
        if n == 0 {
            return Ok(Projective::<G>::zero());
        }
        let resident = matches!(src, Src::Resident(..));
        let set = match &src {
            Src::Resident(set, _) => Some(set.clone()),
            Src::Slice(_) => None,
        };
        let loaded = |i: usize| match &set {
            Some(set) => set.per_device.lock().unwrap_or_else(|e| e.into_inner())[i].is_some(),
            None => true,
        };
        let can_load = |i: usize| !resident || self.devices[i].info.supports(Op::ResidentBases);
        let devices = self.plan_devices(G::OP, &|i| loaded(i));
        let devices = if devices.is_empty() { self.plan_devices(G::OP, &can_load) } else { devices };
        let plan = self.plan(G::OP, n, 1, &devices, &|_| u64::MAX).ok_or_else(|| self.no_device(G::OP, "MSM"))?;
        let parts: Vec<_> = plan.into_iter().map(|s| (s, ())).collect();
        let src = &src;
        let results = run_parts(parts, &|share, ()| {
            let range = share.range.clone();
            let what = || format!("share {}..{} of {n}", range.start, range.end);
            let mut attempt = |i: usize| self.msm_attempt::<G>(i, src, scalars, range.clone());
            self.run_share(G::OP, &what, share.device, range.len(), &can_load, &mut attempt)
        })?;
        trace::record(results.iter().map(|(_, i)| self.devices[*i].info.id.as_str()));
        Ok(results.into_iter().map(|(p, _)| p).sum())
    }

    /// One attempt of the share `range` on device `i`, checked.
    fn msm_attempt<G: Group>(
        self: &Arc<Self>,
        i: usize,
        src: &Src<'_, G>,
        scalars: &[Fr],
        range: Range<usize>,
    ) -> Result<Projective<G>, Fault> {
        let d = &self.devices[i];
        let handle = match src {
            Src::Resident(set, offset) => Some((self.device_handle::<G>(i, set)?, offset + range.start)),
            Src::Slice(_) => None,
        };
        let cap = self.call_cap(i, G::OP, handle.is_some());
        let result = if d.deadline {
            let deadline = self.deadline(d.model(G::OP).time(range.len() as u64));
            let scalars_owned: Arc<[Fr]> = Arc::from(&scalars[range.clone()]);
            let bases_owned: Option<Arc<[Affine<G>]>> = match src {
                Src::Slice(b) => Some(Arc::from(&b[range.clone()])),
                Src::Resident(..) => None,
            };
            let inner = self.clone();
            exec::with_deadline(&d.info.id, &d.abandoned, self.config.max_abandoned_per_device, deadline, move || {
                let bases = match (&bases_owned, handle) {
                    (Some(b), _) => Bases::Slice(b),
                    (None, Some((h, offset))) => Bases::Handle(h, offset),
                    (None, None) => unreachable!("bases are either passed or resident"),
                };
                run_chunks::<G>(&inner, i, bases, &scalars_owned, cap)
            })
        } else {
            let bases = match (src, handle) {
                (Src::Slice(b), _) => Bases::Slice(&b[range.clone()]),
                (Src::Resident(..), Some((h, offset))) => Bases::Handle(h, offset),
                (Src::Resident(..), None) => unreachable!("resident sources have a handle"),
            };
            exec::inline_fault(|| run_chunks::<G>(self, i, bases, &scalars[range.clone()], cap))
        }?;
        if !check::point_is_valid(&result) {
            return Err(Fault::new(FaultKind::WrongResult, "the MSM result is not a valid curve point"));
        }
        if self.spot_check(i) {
            self.msm_spot_check::<G>(i, src, scalars, range)?;
        }
        Ok(result)
    }

    /// Recomputes a random sub-MSM of the share on device `i` and on the host.
    fn msm_spot_check<G: Group>(
        self: &Arc<Self>,
        i: usize,
        src: &Src<'_, G>,
        scalars: &[Fr],
        range: Range<usize>,
    ) -> Result<(), Fault> {
        let m = self.config.spot_check_points.clamp(1, range.len());
        let start = range.start + rand::thread_rng().gen_range(0..=range.len() - m);
        let sub = start..start + m;
        let bases: Vec<Affine<G>> = match src {
            Src::Slice(b) => b[sub.clone()].to_vec(),
            Src::Resident(set, offset) => {
                let points =
                    G::points(&set.points).ok_or_else(|| Fault::new(FaultKind::Unexpected, "group mismatch"))?;
                points[offset + sub.start..offset + sub.end].to_vec()
            }
        };
        let expected = Projective::<G>::msm(&bases, &scalars[sub.clone()]).expect("equal lengths");
        let d = &self.devices[i];
        let backend = d.backend.clone();
        let sub_scalars = scalars[sub.clone()].to_vec();
        let got = exec::with_deadline(
            &d.info.id,
            &d.abandoned,
            self.config.max_abandoned_per_device,
            self.config.share_timeout_floor,
            move || exec::inline(|| G::run_msm(backend.as_ref(), &bases, &sub_scalars)),
        )?;
        if got != expected {
            return Err(Fault::new(
                FaultKind::WrongResult,
                format!("spot check: the MSM of points {}..{} differs from the host's", sub.start, sub.end),
            ));
        }
        Ok(())
    }

    /// Device `i`'s handle on `set`, loading the bases there first if needed (a retry on a
    /// device that did not take shares of it).
    fn device_handle<G: Group>(&self, i: usize, set: &ResidentSet) -> Result<BasesHandle, Fault> {
        let mut per_device = set.per_device.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(handle) = per_device[i] {
            return Ok(handle);
        }
        let points = G::points(&set.points).ok_or_else(|| Fault::new(FaultKind::Unexpected, "group mismatch"))?;
        let d = &self.devices[i];
        let start = Instant::now();
        let handle = exec::inline(|| G::load(d.backend.as_ref(), points.clone()))?;
        d.metrics.call(start.elapsed().as_nanos() as u64, points.len() as u64 * G::POINT_BYTES, 0);
        per_device[i] = Some(handle);
        Ok(handle)
    }

    /// Loads bases on every device that will run shares of them (each supporting device
    /// whose limit allows them), once; the pool's handle maps to the devices' handles.
    pub(super) fn load_bases(&self, points: ResidentPoints) -> Result<BasesHandle> {
        let (group, op, len) = match &points {
            ResidentPoints::G1(p) => (BasesGroup::G1, Op::MsmG1, p.len()),
            ResidentPoints::G2(p) => (BasesGroup::G2, Op::MsmG2, p.len()),
        };
        let mut per_device = vec![None; self.devices.len()];
        let mut errors = super::faults::Attempts::default();
        for (i, d) in self.devices.iter().enumerate() {
            if !d.info.supports(op) || d.info.limit(Op::ResidentBases).is_none_or(|l| l < len) {
                continue;
            }
            let start = Instant::now();
            let loaded = exec::inline(|| match &points {
                ResidentPoints::G1(p) => d.backend.load_bases_g1(p.clone()),
                ResidentPoints::G2(p) => d.backend.load_bases_g2(p.clone()),
            });
            let bytes =
                len as u64 * if group == BasesGroup::G1 { g1::Config::POINT_BYTES } else { g2::Config::POINT_BYTES };
            d.metrics.call(start.elapsed().as_nanos() as u64, bytes, 0);
            match loaded {
                Ok(handle) => per_device[i] = Some(handle),
                Err(fault) => {
                    tracing::warn!("{} could not load {len} bases: {fault}; it takes no shares of them", d.info.id);
                    errors.push(&d.info.id, fault);
                }
            }
        }
        if per_device.iter().all(Option::is_none) {
            return Err(errors.into_error(&self.info.id, Op::ResidentBases, &format!("loading {len} bases")));
        }
        let handle =
            BasesHandle { id: self.next_handle.fetch_add(1, std::sync::atomic::Ordering::Relaxed), group, len };
        let set = ResidentSet { points, per_device: Mutex::new(per_device) };
        self.resident.write().unwrap_or_else(|e| e.into_inner()).insert(handle.id, Arc::new(set));
        Ok(handle)
    }

    /// Unloads the pool handle from every device that holds it.
    pub(super) fn unload_bases(&self, handle: BasesHandle) -> Result<()> {
        let set = self.resident.write().unwrap_or_else(|e| e.into_inner()).remove(&handle.id);
        let set = set.ok_or_else(|| BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })?;
        let per_device = std::mem::take(&mut *set.per_device.lock().unwrap_or_else(|e| e.into_inner()));
        for (i, device_handle) in per_device.into_iter().enumerate() {
            if let Some(h) = device_handle {
                if let Err(e) = self.devices[i].backend.unload_bases(h) {
                    tracing::warn!("unloading bases from {}: {e}", self.devices[i].info.id);
                }
            }
        }
        Ok(())
    }

    /// The set behind a pool handle, after checking group, range and scalar count.
    pub(super) fn resident_set(
        &self,
        handle: &BasesHandle,
        group: BasesGroup,
        range: &Range<usize>,
        scalars: usize,
    ) -> Result<Arc<ResidentSet>> {
        let set = self.resident.read().unwrap_or_else(|e| e.into_inner()).get(&handle.id).cloned();
        let set = set.ok_or_else(|| BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })?;
        let real = match &set.points {
            ResidentPoints::G1(p) => BasesHandle { id: handle.id, group: BasesGroup::G1, len: p.len() },
            ResidentPoints::G2(p) => BasesHandle { id: handle.id, group: BasesGroup::G2, len: p.len() },
        };
        validate::msm_resident(&self.info, &real, group, range, scalars)?;
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkaccel_backends::cpu::CpuBackend;

    #[test]
    fn the_probe_passes_on_the_cpu() {
        assert_eq!(probe(&CpuBackend::new()), Ok(()));
    }
}
