//! Which devices produced the results a thread received: the Groth16 prover records a trace
//! around a proof and, if the proof fails its pairing check, reports those devices.
//!
//! ```
//! use zkaccel::scheduler::DeviceTrace;
//! let trace = DeviceTrace::start();
//! // ... calls to the scheduler from this thread ...
//! assert!(trace.devices().is_empty());
//! ```

use std::cell::RefCell;
use std::collections::BTreeSet;

thread_local! {
    static ACTIVE: RefCell<Vec<BTreeSet<String>>> = const { RefCell::new(Vec::new()) };
}

/// Records, while alive, the ids of the devices whose shares went into results returned to
/// scheduler calls made from this thread. Traces nest; each sees the calls made during its life.
#[derive(Debug)]
pub struct DeviceTrace {
    depth: usize,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl DeviceTrace {
    /// Starts recording on the current thread.
    pub fn start() -> DeviceTrace {
        let depth = ACTIVE.with(|a| {
            let mut a = a.borrow_mut();
            a.push(BTreeSet::new());
            a.len()
        });
        DeviceTrace { depth, _not_send: std::marker::PhantomData }
    }

    /// The devices recorded so far.
    pub fn devices(&self) -> BTreeSet<String> {
        ACTIVE.with(|a| a.borrow().get(self.depth - 1).cloned().unwrap_or_default())
    }
}

impl Drop for DeviceTrace {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().truncate(self.depth - 1));
    }
}

/// Adds `devices` to every trace active on this thread.
pub(crate) fn record<'a>(devices: impl IntoIterator<Item = &'a str>) {
    ACTIVE.with(|a| {
        let mut a = a.borrow_mut();
        if a.is_empty() {
            return;
        }
        for device in devices {
            for set in a.iter_mut() {
                if !set.contains(device) {
                    set.insert(device.to_string());
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_traces() {
        record(["ignored"]);
        let outer = DeviceTrace::start();
        record(["cpu"]);
        {
            let inner = DeviceTrace::start();
            record(["cuda:0"]);
            assert_eq!(inner.devices().into_iter().collect::<Vec<_>>(), ["cuda:0"]);
        }
        assert_eq!(outer.devices().into_iter().collect::<Vec<_>>(), ["cpu", "cuda:0"]);
    }
}
