//! A counting global allocator: exact peak heap use of a run, independent of how the
//! allocator reuses freed pages (which hides memory from RSS-based measurements).
//!
//! The `zkaccel` binary installs [`CountingAllocator`] as its `#[global_allocator]`; in a
//! process that does not, [`measure`] answers `None`.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ARMED: AtomicBool = AtomicBool::new(false);

/// The system allocator plus counters that run only while a measurement is armed: outside
/// [`measure`] each allocation costs one relaxed load of a flag that never changes, so timed
/// runs (which are never measured) are not slowed by shared counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAllocator;

fn grew(bytes: usize) {
    if ARMED.load(Ordering::Relaxed) {
        let now = CURRENT.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

fn shrank(bytes: usize) {
    if ARMED.load(Ordering::Relaxed) {
        CURRENT.fetch_sub(bytes as isize, Ordering::Relaxed);
    }
}
// SAFETY: every method forwards to `System` with the caller's arguments unchanged and only
// updates counters on the side, so `System`'s guarantees are this allocator's guarantees.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as `GlobalAlloc::alloc`, forwarded.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as `GlobalAlloc::alloc_zeroed`, forwarded.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes through us).
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as `GlobalAlloc::realloc`, forwarded.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

/// Runs `f` with the counters armed and returns its result with the most heap bytes it had
/// added at any moment (net of what it freed), or `None` when no [`CountingAllocator`] is the
/// global allocator. Measurements must not overlap (the bench runs one at a time).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::Relaxed);
    let installed = {
        let probe = std::hint::black_box(Box::new(0u64));
        let seen = CURRENT.load(Ordering::Relaxed) > 0;
        drop(probe);
        seen
    };
    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    let out = f();
    ARMED.store(false, Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed).max(0) as u64;
    (out, installed.then_some(peak))
}
