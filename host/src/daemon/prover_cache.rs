//! Provers kept between jobs: a circuit's key loaded and its bases resident on the rig's
//! devices once, reused by every job of that circuit, within a memory budget.
//!
//! ```text
//! get_or_load(id) ──► Ready   ──► hit: the cached Arc<Prover>
//!                 ├─► Loading ──► wait for that load (one load per id at a time)
//!                 └─► absent  ──► load() + Prover::new outside the lock ──► insert, evict LRU
//! ```
//!
//! Loads run outside the cache's lock, so loads of different circuits run in parallel and a
//! hit never waits for a load. Evicted provers are dropped after the lock is released; a
//! prover still used by a running job lives on through its `Arc` and unloads its bases (its
//! `Drop`) when that job ends.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use ark_bn254::{Fr, G1Affine, G2Affine};
use zkaccel_backends::Backend;

use crate::groth16::{FaultReporter, Groth16Error, Prover, ProvingKey};

/// An estimate of the memory a prover built from `key` keeps: its point vectors (the five
/// queries and the IC points) and its coefficients in row form (value, signal index and row
/// offsets). Device copies of the bases on a GPU come on top of it, on the device.
pub fn proving_key_bytes(key: &ProvingKey) -> u64 {
    let g1 = std::mem::size_of::<G1Affine>() as u64;
    let g2 = std::mem::size_of::<G2Affine>() as u64;
    let g1_points = key.a_query.len() + key.b1_query.len() + key.c_query.len() + key.h_query.len() + key.ic.len();
    // Row form: each coefficient as a value and a u32 signal; an offset per row, per matrix.
    let row_entry = (std::mem::size_of::<Fr>() + std::mem::size_of::<u32>()) as u64;
    let offsets = 2 * (key.domain_size as u64 + 1) * std::mem::size_of::<u32>() as u64;
    g1_points as u64 * g1 + key.b2_query.len() as u64 * g2 + key.coefficients.len() as u64 * row_entry + offsets
}

/// Counters of a [`ProverCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProverCacheStats {
    /// Provers cached now.
    pub entries: usize,
    /// Their estimated memory ([`proving_key_bytes`]), in bytes.
    pub bytes: u64,
    /// The budget `bytes` is kept within.
    pub budget_bytes: u64,
    /// Calls answered without loading: a cached prover, or one another caller was loading.
    pub hits: u64,
    /// Calls that loaded a key (including loads that failed).
    pub misses: u64,
    /// Provers evicted to stay within the budget.
    pub evictions: u64,
}

/// One load in progress; callers for the same id wait on it.
#[derive(Default)]
struct Pending {
    /// `None` while loading; then the prover, or `None` inside when the load failed.
    outcome: Mutex<Option<Option<Arc<Prover>>>>,
    done: Condvar,
}

impl Pending {
    fn finish(&self, prover: Option<Arc<Prover>>) {
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(prover);
        self.done.notify_all();
    }

    fn wait(&self) -> Option<Arc<Prover>> {
        let mut outcome = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(prover) = outcome.as_ref() {
                return prover.clone();
            }
            outcome = self.done.wait(outcome).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A cached prover.
struct Entry {
    prover: Arc<Prover>,
    bytes: u64,
    /// Value of the cache's clock at the last use; the smallest is the least recently used.
    last_used: u64,
}

enum Slot {
    Ready(Entry),
    Loading(Arc<Pending>),
}

#[derive(Default)]
struct State {
    slots: HashMap<String, Slot>,
    bytes: u64,
    clock: u64,
    hits: u64,
    misses: u64,
    evictions: u64,
}

impl State {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

/// Provers by circuit id, least recently used evicted first when their estimated memory is
/// above the budget. `Send + Sync`: share one per rig between the workers.
pub struct ProverCache {
    budget_bytes: u64,
    backend: Arc<dyn Backend>,
    reporter: Option<Arc<dyn FaultReporter>>,
    state: Mutex<State>,
}

impl std::fmt::Debug for ProverCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProverCache")
            .field("backend", &self.backend.info().id)
            .field("reporter", &self.reporter.is_some())
            .field("stats", &self.stats())
            .finish()
    }
}

/// Ends a load on every path, a panic in `load` included: the slot is cleared unless the load
/// finished, and waiting callers are woken (they retry when no prover came of it).
struct LoadGuard<'a> {
    cache: &'a ProverCache,
    circuit_id: &'a str,
    pending: Arc<Pending>,
    prover: Option<Arc<Prover>>,
}

impl Drop for LoadGuard<'_> {
    fn drop(&mut self) {
        if self.prover.is_none() {
            let mut state = self.cache.lock();
            if matches!(state.slots.get(self.circuit_id), Some(Slot::Loading(p)) if Arc::ptr_eq(p, &self.pending)) {
                state.slots.remove(self.circuit_id);
            }
        }
        self.pending.finish(self.prover.take());
    }
}

impl ProverCache {
    /// A cache keeping at most about `budget_bytes` of provers (see [`proving_key_bytes`]),
    /// building them on `backend` and, when given, reporting device faults to `reporter`.
    pub fn new(budget_bytes: u64, backend: Arc<dyn Backend>, reporter: Option<Arc<dyn FaultReporter>>) -> ProverCache {
        ProverCache { budget_bytes, backend, reporter, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached prover for `circuit_id`, or one built from `load()` (blocking: it reads and
    /// validates the zkey) with `Prover::new(key, backend)`.
    ///
    /// Concurrent callers for the same id wait for one load instead of loading twice (if that
    /// load fails, each waiting caller tries its own `load`); loads of different ids run in
    /// parallel. After inserting, least recently used provers are evicted until the total is
    /// within the budget — never the one just returned. A prover larger than the whole budget
    /// is returned but not kept. An error from `load` or `Prover::new` is returned and nothing
    /// is cached.
    pub fn get_or_load<E>(
        &self,
        circuit_id: &str,
        load: impl FnOnce() -> Result<ProvingKey, E>,
    ) -> Result<Arc<Prover>, E>
    where
        E: From<Groth16Error>,
    {
        let pending = loop {
            let waiting = {
                let mut state = self.lock();
                let now = state.tick();
                match state.slots.get_mut(circuit_id) {
                    Some(Slot::Ready(entry)) => {
                        entry.last_used = now;
                        let prover = entry.prover.clone();
                        state.hits += 1;
                        return Ok(prover);
                    }
                    Some(Slot::Loading(pending)) => pending.clone(),
                    None => {
                        let pending = Arc::new(Pending::default());
                        state.slots.insert(circuit_id.to_string(), Slot::Loading(pending.clone()));
                        state.misses += 1;
                        break pending;
                    }
                }
            };
            if let Some(prover) = waiting.wait() {
                self.lock().hits += 1;
                return Ok(prover);
            }
            // That load failed: look again (another caller may have started one), else load.
        };
        let mut guard = LoadGuard { cache: self, circuit_id, pending, prover: None };
        let key = load()?;
        let bytes = proving_key_bytes(&key);
        let mut prover = Prover::new(key, self.backend.clone()).map_err(E::from)?;
        if let Some(reporter) = &self.reporter {
            prover = prover.with_fault_reporter(reporter.clone());
        }
        let prover = Arc::new(prover);
        let evicted = self.insert(circuit_id, &guard.pending, prover.clone(), bytes);
        guard.prover = Some(prover.clone());
        drop(guard);
        // Dropping the last reference to an evicted prover unloads its bases: outside the lock.
        drop(evicted);
        Ok(prover)
    }

    /// Puts a freshly built prover in its slot (unless it was removed meanwhile, or is larger
    /// than the budget) and evicts until within the budget; returns the evicted provers.
    fn insert(&self, circuit_id: &str, pending: &Arc<Pending>, prover: Arc<Prover>, bytes: u64) -> Vec<Arc<Prover>> {
        let mut state = self.lock();
        let still_wanted = matches!(state.slots.get(circuit_id), Some(Slot::Loading(p)) if Arc::ptr_eq(p, pending));
        if !still_wanted {
            tracing::debug!(circuit_id, "circuit removed while its prover was loading; not cached");
            return Vec::new();
        }
        if bytes > self.budget_bytes {
            state.slots.remove(circuit_id);
            tracing::warn!(
                circuit_id,
                bytes,
                budget_bytes = self.budget_bytes,
                "this circuit's prover is larger than the whole prover cache budget: used for this job, not kept"
            );
            return Vec::new();
        }
        let now = state.tick();
        state.slots.insert(circuit_id.to_string(), Slot::Ready(Entry { prover, bytes, last_used: now }));
        state.bytes += bytes;
        let mut evicted = Vec::new();
        while state.bytes > self.budget_bytes {
            let oldest = state
                .slots
                .iter()
                .filter(|(id, _)| id.as_str() != circuit_id)
                .filter_map(|(id, slot)| match slot {
                    Slot::Ready(entry) => Some((entry.last_used, id.clone())),
                    Slot::Loading(_) => None,
                })
                .min();
            let Some((_, id)) = oldest else { break };
            if let Some(Slot::Ready(entry)) = state.slots.remove(&id) {
                state.bytes -= entry.bytes;
                state.evictions += 1;
                tracing::debug!(circuit_id = %id, bytes = entry.bytes, "prover evicted from the cache");
                evicted.push(entry.prover);
            }
        }
        evicted
    }

    /// Forgets `circuit_id`'s prover (e.g. the circuit was deleted). A load in progress for it
    /// still answers its callers but is not kept. Jobs still using the prover keep it alive.
    pub fn remove(&self, circuit_id: &str) {
        let removed = {
            let mut state = self.lock();
            let removed = state.slots.remove(circuit_id);
            if let Some(Slot::Ready(entry)) = &removed {
                state.bytes -= entry.bytes;
            }
            removed
        };
        drop(removed);
    }

    /// Entries, bytes and counters.
    pub fn stats(&self) -> ProverCacheStats {
        let state = self.lock();
        ProverCacheStats {
            entries: state.slots.values().filter(|slot| matches!(slot, Slot::Ready(_))).count(),
            bytes: state.bytes,
            budget_bytes: self.budget_bytes,
            hits: state.hits,
            misses: state.misses,
            evictions: state.evictions,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;
    use std::time::Duration;

    use zkaccel_backends::cpu::CpuBackend;

    use super::*;
    use crate::groth16::insecure_setup::{setup, TestCircuit};

    fn key(steps: usize) -> ProvingKey {
        setup(&TestCircuit::squaring_chain(steps).0, 7)
    }

    fn cache(budget_bytes: u64) -> ProverCache {
        ProverCache::new(budget_bytes, Arc::new(CpuBackend::new()), None)
    }

    /// A `load` that counts its calls.
    fn counted(calls: &AtomicUsize, key: ProvingKey) -> impl FnOnce() -> Result<ProvingKey, Groth16Error> + '_ {
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(key)
        }
    }

    #[test]
    fn size_estimate_counts_the_points_and_coefficients() {
        let small = key(3);
        let large = key(60);
        let bytes = proving_key_bytes(&small);
        let points = small.a_query.len() + small.b1_query.len() + small.c_query.len() + small.h_query.len();
        assert!(bytes >= (points * std::mem::size_of::<G1Affine>()) as u64);
        assert!(bytes >= (small.b2_query.len() * std::mem::size_of::<G2Affine>()) as u64);
        assert!(proving_key_bytes(&large) > bytes);
    }

    #[test]
    fn hits_and_misses_are_counted_and_the_prover_proves() {
        let cache = cache(u64::MAX);
        let calls = AtomicUsize::new(0);
        let (circuit, witness) = TestCircuit::squaring_chain(4);
        let key = setup(&circuit, 1);
        let bytes = proving_key_bytes(&key);
        let first = cache.get_or_load("a", counted(&calls, key.clone())).unwrap();
        let second = cache.get_or_load("a", counted(&calls, key)).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let stats = cache.stats();
        assert_eq!(
            stats,
            ProverCacheStats { entries: 1, bytes, budget_bytes: u64::MAX, hits: 1, misses: 1, evictions: 0 }
        );
        let output = second.prove(&witness).unwrap();
        assert!(second.verifier().verify(&output.proof, &output.public).unwrap());
        assert!(format!("{cache:?}").contains("hits: 1"));
    }

    #[test]
    fn concurrent_callers_for_one_id_share_one_load() {
        let cache = cache(u64::MAX);
        let calls = AtomicUsize::new(0);
        let key = key(8);
        let barrier = Barrier::new(8);
        let provers: Vec<Arc<Prover>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        barrier.wait();
                        cache
                            .get_or_load("shared", || {
                                calls.fetch_add(1, Ordering::SeqCst);
                                // Slow enough that every other caller arrives during the load.
                                std::thread::sleep(Duration::from_millis(200));
                                Ok::<_, Groth16Error>(key.clone())
                            })
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(provers.iter().all(|p| Arc::ptr_eq(p, &provers[0])));
        let stats = cache.stats();
        assert_eq!((stats.misses, stats.hits, stats.entries), (1, 7, 1));
    }

    #[test]
    fn loads_of_different_ids_run_in_parallel() {
        let cache = cache(u64::MAX);
        let key = key(2);
        // Each load waits for the other to have started: this deadlocks (and the barrier never
        // opens) if loads were serialised under the cache's lock.
        let both_loading = Barrier::new(2);
        std::thread::scope(|scope| {
            for id in ["x", "y"] {
                let (cache, key, both_loading) = (&cache, &key, &both_loading);
                scope.spawn(move || {
                    cache
                        .get_or_load(id, || {
                            both_loading.wait();
                            Ok::<_, Groth16Error>(key.clone())
                        })
                        .unwrap()
                });
            }
        });
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn least_recently_used_is_evicted_first() {
        let key = key(4);
        let bytes = proving_key_bytes(&key);
        // Room for two.
        let cache = cache(2 * bytes + bytes / 2);
        let load = || Ok::<_, Groth16Error>(key.clone());
        let a = cache.get_or_load("a", load).unwrap();
        cache.get_or_load("b", load).unwrap();
        cache.get_or_load("a", load).unwrap(); // a is now more recent than b
        cache.get_or_load("c", load).unwrap(); // evicts b
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.bytes, stats.evictions, stats.misses, stats.hits), (2, 2 * bytes, 1, 3, 1));
        let calls = AtomicUsize::new(0);
        cache.get_or_load("a", counted(&calls, key.clone())).unwrap();
        cache.get_or_load("c", counted(&calls, key.clone())).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0, "a and c are still cached");
        cache.get_or_load("b", counted(&calls, key.clone())).unwrap(); // reloaded; evicts a (c was used last)
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.get_or_load("c", counted(&calls, key.clone())).unwrap();
        cache.get_or_load("a", counted(&calls, key.clone())).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2, "a was evicted, c was not");
        assert_eq!(cache.stats().evictions, 3);
        // A prover evicted while in use still works.
        let (_, witness) = TestCircuit::squaring_chain(4);
        assert!(a.prove(&witness).is_ok());
    }

    #[test]
    fn an_entry_larger_than_the_budget_is_returned_but_not_kept() {
        let small = key(2);
        let large = key(40);
        let cache = cache(proving_key_bytes(&small) + 1);
        cache.get_or_load("small", || Ok::<_, Groth16Error>(small.clone())).unwrap();
        let calls = AtomicUsize::new(0);
        let (_, witness) = TestCircuit::squaring_chain(40);
        let prover = cache.get_or_load("large", counted(&calls, large.clone())).unwrap();
        assert!(prover.prove(&witness).is_ok());
        cache.get_or_load("large", counted(&calls, large)).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2, "not kept, so loaded again");
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.bytes, stats.evictions), (1, proving_key_bytes(&small), 0));
    }

    #[test]
    fn remove_forgets_a_prover() {
        let cache = cache(u64::MAX);
        let calls = AtomicUsize::new(0);
        let key = key(3);
        let kept = cache.get_or_load("a", counted(&calls, key.clone())).unwrap();
        cache.remove("a");
        cache.remove("never-loaded");
        assert_eq!((cache.stats().entries, cache.stats().bytes), (0, 0));
        let reloaded = cache.get_or_load("a", counted(&calls, key)).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(!Arc::ptr_eq(&kept, &reloaded));
    }

    #[test]
    fn remove_during_a_load_keeps_the_result_out_of_the_cache() {
        let cache = cache(u64::MAX);
        let key = key(2);
        let prover = cache
            .get_or_load("a", || {
                cache.remove("a");
                Ok::<_, Groth16Error>(key.clone())
            })
            .unwrap();
        assert_eq!(prover.n_vars(), key.n_vars);
        assert_eq!(cache.stats().entries, 0);
    }

    #[derive(Debug, PartialEq)]
    enum LoadError {
        Unreadable(&'static str),
        Groth16(String),
    }

    impl From<Groth16Error> for LoadError {
        fn from(error: Groth16Error) -> LoadError {
            LoadError::Groth16(error.to_string())
        }
    }

    #[test]
    fn load_errors_are_returned_and_not_cached() {
        let cache = cache(u64::MAX);
        let error = cache.get_or_load("a", || Err(LoadError::Unreadable("bad zkey"))).unwrap_err();
        assert_eq!(error, LoadError::Unreadable("bad zkey"));
        assert_eq!(cache.stats().entries, 0);
        let calls = AtomicUsize::new(0);
        let prover = cache.get_or_load("a", || {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, LoadError>(key(2))
        });
        assert!(prover.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the failure was not cached");
        let stats = cache.stats();
        assert_eq!((stats.misses, stats.hits, stats.entries), (2, 0, 1));
    }

    #[test]
    fn waiters_retry_when_the_shared_load_fails() {
        let cache = cache(u64::MAX);
        let key = key(2);
        let started = Barrier::new(2);
        let results: Vec<Result<Arc<Prover>, LoadError>> = std::thread::scope(|scope| {
            let first = scope.spawn(|| {
                cache.get_or_load("a", || {
                    started.wait();
                    std::thread::sleep(Duration::from_millis(200));
                    Err(LoadError::Unreadable("first load fails"))
                })
            });
            started.wait();
            let second = scope.spawn(|| cache.get_or_load("a", || Ok(key.clone())));
            vec![first.join().unwrap(), second.join().unwrap()]
        });
        assert_eq!(results[0].as_ref().unwrap_err(), &LoadError::Unreadable("first load fails"));
        assert!(results[1].is_ok());
        assert_eq!(cache.stats().entries, 1);
    }

    #[test]
    fn a_panicking_load_does_not_leave_waiters_hanging() {
        let cache = cache(u64::MAX);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cache.get_or_load("a", || -> Result<ProvingKey, Groth16Error> { panic!("load panicked") })
        }));
        assert!(panicked.is_err());
        assert!(cache.get_or_load("a", || Ok::<_, Groth16Error>(key(2))).is_ok());
    }
}
