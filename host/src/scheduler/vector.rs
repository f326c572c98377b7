//! NTTs, Poseidon batches and Merkle trees through the scheduler.
//!
//! A single NTT runs on one device (the one predicted to finish first); a batch is split by
//! polynomials. Poseidon batches are split by messages. A Merkle tree is split into equal
//! subtrees, spread like a batch; the small tree over their roots runs on the fastest device.

use std::sync::Arc;
use std::time::Instant;

use ark_bn254::Fr;
use zkaccel_backends::{MerkleOutput, MerkleTree, NttConfig, Op, Result};

use super::faults::{Fault, FaultKind};
use super::plan::{self, Share};
use super::{check, exec, run_parts, trace, Inner};

/// Hashes and parent nodes a spot check recomputes.
const SPOT_SAMPLES: usize = 8;

impl Inner {
    /// NTTs of the `data.len() / ntt_len` polynomials in `data` (validated by the caller);
    /// `single` marks a call of `Backend::ntt`, run with the devices' `ntt`.
    pub(super) fn ntt_batch(
        self: &Arc<Self>,
        data: &mut [Fr],
        ntt_len: usize,
        config: NttConfig,
        single: bool,
    ) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let count = data.len() / ntt_len;
        let fits = |i: usize| self.call_cap(i, Op::Ntt, false) >= ntt_len;
        let devices = self.plan_devices(Op::Ntt, &fits);
        let plan = self
            .plan(Op::Ntt, count, ntt_len, &devices, &|_| u64::MAX)
            .ok_or_else(|| self.no_device(Op::Ntt, "NTT"))?;
        let mut parts: Vec<(Share, &mut [Fr])> = Vec::with_capacity(plan.len());
        let mut rest = data;
        for share in plan {
            let (part, tail) = rest.split_at_mut(share.range.len() * ntt_len);
            parts.push((share, part));
            rest = tail;
        }
        let used = run_parts(parts, &|share, part: &mut [Fr]| {
            let what = || {
                format!(
                    "polynomials {}..{} of {count} (2^{} each)",
                    share.range.start,
                    share.range.end,
                    ntt_len.trailing_zeros()
                )
            };
            let units = part.len();
            let mut attempt = |i: usize| self.ntt_attempt(i, part, ntt_len, config, single);
            self.run_share(Op::Ntt, &what, share.device, units, &fits, &mut attempt).map(|((), i)| i)
        })?;
        trace::record(used.iter().map(|&i| self.devices[i].info.id.as_str()));
        Ok(())
    }

    /// One attempt of an NTT share on device `i`. On failure `part` holds its input again.
    fn ntt_attempt(
        self: &Arc<Self>,
        i: usize,
        part: &mut [Fr],
        ntt_len: usize,
        config: NttConfig,
        single: bool,
    ) -> Result<(), Fault> {
        let d = &self.devices[i];
        let cap_polys = (self.call_cap(i, Op::Ntt, false) / ntt_len).max(1);
        let spot = self.spot_check(i);
        let wrong = |input: &[Fr], output: &[Fr]| {
            input.chunks(ntt_len).zip(output.chunks(ntt_len)).position(|(a, y)| !check::ntt_holds(a, y, config))
        };
        let fault =
            |k: usize| Fault::new(FaultKind::WrongResult, format!("polynomial {k} failed the NTT identity check"));
        if d.deadline {
            let deadline = self.deadline(d.model(Op::Ntt).time(part.len() as u64));
            let mut owned = part.to_vec();
            let inner = self.clone();
            let output = exec::with_deadline(
                &d.info.id,
                &d.abandoned,
                self.config.max_abandoned_per_device,
                deadline,
                move || {
                    run_ntt_chunks(&inner, i, &mut owned, ntt_len, config, single, cap_polys)?;
                    Ok(owned)
                },
            )?;
            if spot {
                if let Some(k) = wrong(part, &output) {
                    return Err(fault(k));
                }
            }
            part.copy_from_slice(&output);
            return Ok(());
        }
        // Inline: the backend's contract leaves rejected input untouched, and the CPU only
        // rejects before it starts; other devices' input is kept to restore after a fault.
        let backup = if spot || !d.is_cpu() { Some(part.to_vec()) } else { None };
        let result = exec::inline_fault(|| run_ntt_chunks(self, i, part, ntt_len, config, single, cap_polys));
        let result = result.and_then(|()| match (spot, &backup) {
            (true, Some(input)) => wrong(input, part).map_or(Ok(()), |k| Err(fault(k))),
            _ => Ok(()),
        });
        if let (Err(_), Some(input)) = (&result, backup) {
            part.copy_from_slice(&input);
        }
        result
    }

    /// Poseidon of every message (validated by the caller).
    pub(super) fn poseidon(self: &Arc<Self>, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        let count = inputs.len() / arity;
        if count == 0 {
            return Ok(Vec::new());
        }
        let any = |_: usize| true;
        let devices = self.plan_devices(Op::Poseidon, &any);
        let plan = self
            .plan(Op::Poseidon, count, 1, &devices, &|_| u64::MAX)
            .ok_or_else(|| self.no_device(Op::Poseidon, "batch"))?;
        let parts: Vec<(Share, ())> = plan.into_iter().map(|s| (s, ())).collect();
        let results = run_parts(parts, &|share, ()| {
            let messages = &inputs[share.range.start * arity..share.range.end * arity];
            let what = || format!("hashes {}..{} of {count}", share.range.start, share.range.end);
            let mut attempt = |i: usize| self.poseidon_attempt(i, messages, arity);
            self.run_share(Op::Poseidon, &what, share.device, share.range.len(), &any, &mut attempt)
        })?;
        trace::record(results.iter().map(|(_, i)| self.devices[*i].info.id.as_str()));
        Ok(results.into_iter().flat_map(|(hashes, _)| hashes).collect())
    }

    fn poseidon_attempt(self: &Arc<Self>, i: usize, messages: &[Fr], arity: usize) -> Result<Vec<Fr>, Fault> {
        let d = &self.devices[i];
        let count = messages.len() / arity;
        let cap = self.call_cap(i, Op::Poseidon, false);
        let hashes = if d.deadline {
            let deadline = self.deadline(d.model(Op::Poseidon).time(count as u64));
            let owned: Arc<[Fr]> = Arc::from(messages);
            let inner = self.clone();
            exec::with_deadline(&d.info.id, &d.abandoned, self.config.max_abandoned_per_device, deadline, move || {
                run_poseidon_chunks(&inner, i, &owned, arity, cap)
            })?
        } else {
            exec::inline_fault(|| run_poseidon_chunks(self, i, messages, arity, cap))?
        };
        if hashes.len() != count {
            return Err(Fault::new(FaultKind::WrongResult, format!("{} hashes for {count} messages", hashes.len())));
        }
        if self.spot_check(i) {
            check::poseidon_sample(messages, arity, &hashes, SPOT_SAMPLES)
                .map_err(|e| Fault::new(FaultKind::WrongResult, format!("spot check: {e}")))?;
        }
        Ok(hashes)
    }

    /// A Merkle tree (validated by the caller): split into subtrees over several devices when
    /// that is predicted to finish first, else on one device.
    pub(super) fn merkle(self: &Arc<Self>, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        let n = leaves.len();
        let whole = |i: usize| self.call_cap(i, Op::MerkleTree, false) >= 2;
        let devices = self.plan_devices(Op::MerkleTree, &whole);
        if devices.len() > 1 && n >= 4 {
            let subtrees = (4 * devices.len()).next_power_of_two().min(n / 2);
            let sub = n / subtrees;
            let fits = |i: usize| self.call_cap(i, Op::MerkleTree, false) >= sub;
            let devices: Vec<usize> = devices.into_iter().filter(|&i| fits(i)).collect();
            let plan = self.plan(Op::MerkleTree, subtrees, sub, &devices, &|_| u64::MAX);
            if let Some(plan) = plan.filter(|p| p.len() > 1) {
                return self.merkle_split(leaves, sub, plan, output, &fits);
            }
        }
        let fits = |i: usize| self.call_cap(i, Op::MerkleTree, false) >= n;
        let mut trees = self.merkle_on_one(leaves, output, &fits)?;
        Ok(trees.pop().expect("one tree"))
    }

    /// The whole tree on the device predicted to finish first, with retries.
    fn merkle_on_one(
        self: &Arc<Self>,
        leaves: &[Fr],
        output: MerkleOutput,
        fits: &dyn Fn(usize) -> bool,
    ) -> Result<Vec<MerkleTree>> {
        let n = leaves.len();
        let devices = self.plan_devices(Op::MerkleTree, fits);
        let candidates = self.candidates(Op::MerkleTree, &devices, 1, &|_| u64::MAX);
        let (first, _) = plan::fastest(n, &candidates).ok_or_else(|| self.no_device(Op::MerkleTree, "tree"))?;
        let what = || format!("tree of {n} leaves");
        let mut attempt = |i: usize| self.merkle_attempt(i, leaves, n, output);
        let (trees, i) = self.run_share(Op::MerkleTree, &what, first, n, fits, &mut attempt)?;
        trace::record([self.devices[i].info.id.as_str()]);
        Ok(trees)
    }

    fn merkle_split(
        self: &Arc<Self>,
        leaves: &[Fr],
        sub: usize,
        plan: Vec<Share>,
        output: MerkleOutput,
        fits: &(dyn Fn(usize) -> bool + Sync),
    ) -> Result<MerkleTree> {
        let subtrees = leaves.len() / sub;
        let parts: Vec<(Share, ())> = plan.into_iter().map(|s| (s, ())).collect();
        let results = run_parts(parts, &|share, ()| {
            let part = &leaves[share.range.start * sub..share.range.end * sub];
            let what =
                || format!("subtrees {}..{} of {subtrees} ({sub} leaves each)", share.range.start, share.range.end);
            let mut attempt = |i: usize| self.merkle_attempt(i, part, sub, output);
            self.run_share(Op::MerkleTree, &what, share.device, part.len(), fits, &mut attempt)
        })?;
        trace::record(results.iter().map(|(_, i)| self.devices[*i].info.id.as_str()));
        let trees: Vec<MerkleTree> = results.into_iter().flat_map(|(t, _)| t).collect();
        let roots: Vec<Fr> = trees.iter().map(|t| t.root).collect();
        let top_fits = |i: usize| self.call_cap(i, Op::MerkleTree, false) >= roots.len();
        let top = self.merkle_on_one(&roots, output, &top_fits)?.pop().expect("one tree");
        if output == MerkleOutput::RootOnly {
            return Ok(MerkleTree { root: top.root, levels: Vec::new() });
        }
        let depth = sub.trailing_zeros() as usize;
        let mut levels: Vec<Vec<Fr>> =
            (0..=depth).map(|k| trees.iter().flat_map(|t| t.levels[k].iter().copied()).collect()).collect();
        levels.extend(top.levels.into_iter().skip(1));
        Ok(MerkleTree { root: top.root, levels })
    }

    /// Trees of `sub` leaves each over `leaves` on device `i`, checked.
    fn merkle_attempt(
        self: &Arc<Self>,
        i: usize,
        leaves: &[Fr],
        sub: usize,
        output: MerkleOutput,
    ) -> Result<Vec<MerkleTree>, Fault> {
        let d = &self.devices[i];
        let trees = if d.deadline {
            let deadline = self.deadline(d.model(Op::MerkleTree).time(leaves.len() as u64));
            let owned: Arc<[Fr]> = Arc::from(leaves);
            let inner = self.clone();
            exec::with_deadline(&d.info.id, &d.abandoned, self.config.max_abandoned_per_device, deadline, move || {
                run_merkle(&inner, i, &owned, sub, output)
            })?
        } else {
            exec::inline_fault(|| run_merkle(self, i, leaves, sub, output))?
        };
        let all = output == MerkleOutput::AllLevels;
        let samples = if self.spot_check(i) { SPOT_SAMPLES } else { 0 };
        for (k, tree) in trees.iter().enumerate() {
            check::merkle_sample(&leaves[k * sub..(k + 1) * sub], tree, all, samples)
                .map_err(|e| Fault::new(FaultKind::WrongResult, format!("subtree {k}: {e}")))?;
        }
        Ok(trees)
    }
}

fn run_ntt_chunks(
    inner: &Inner,
    i: usize,
    data: &mut [Fr],
    ntt_len: usize,
    config: NttConfig,
    single: bool,
    cap_polys: usize,
) -> Result<(), Fault> {
    let d = &inner.devices[i];
    for chunk in data.chunks_mut(cap_polys * ntt_len) {
        let start = Instant::now();
        let result = if single { d.backend.ntt(chunk, config) } else { d.backend.ntt_batch(chunk, ntt_len, config) };
        d.metrics.call(start.elapsed().as_nanos() as u64, 64 * chunk.len() as u64, chunk.len() as u64);
        result.map_err(|e| Fault::from_error(&e))?;
    }
    Ok(())
}

fn run_poseidon_chunks(inner: &Inner, i: usize, messages: &[Fr], arity: usize, cap: usize) -> Result<Vec<Fr>, Fault> {
    let d = &inner.devices[i];
    let mut out = Vec::with_capacity(messages.len() / arity);
    for chunk in messages.chunks(cap.max(1) * arity) {
        let start = Instant::now();
        let result = d.backend.poseidon_hash_batch(chunk, arity);
        let count = (chunk.len() / arity) as u64;
        d.metrics.call(start.elapsed().as_nanos() as u64, 32 * (chunk.len() as u64 + count), count);
        out.extend(result.map_err(|e| Fault::from_error(&e))?);
    }
    Ok(out)
}

fn run_merkle(
    inner: &Inner,
    i: usize,
    leaves: &[Fr],
    sub: usize,
    output: MerkleOutput,
) -> Result<Vec<MerkleTree>, Fault> {
    let d = &inner.devices[i];
    leaves
        .chunks(sub)
        .map(|chunk| {
            let start = Instant::now();
            let result = d.backend.merkle_tree(chunk, output);
            let out_bytes = if output == MerkleOutput::AllLevels { 32 * chunk.len() as u64 } else { 32 };
            d.metrics.call(start.elapsed().as_nanos() as u64, 32 * chunk.len() as u64 + out_bytes, chunk.len() as u64);
            result.map_err(|e| Fault::from_error(&e))
        })
        .collect()
}
