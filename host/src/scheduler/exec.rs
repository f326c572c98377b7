//! Running one share: inline on the caller's (scoped) thread, or on a detached thread the
//! caller abandons at a deadline.
//!
//! A detached share owns copies of its inputs, since its thread may outlive the call. When
//! the deadline passes the caller stops waiting, counts the thread as abandoned on that
//! device and reports a timeout; the thread, if it ever returns, uncounts itself. A device
//! with `max_abandoned` threads still out gets no more work (not even probes), so a hung
//! device holds at most that many threads, whatever the number of calls.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicIsize, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use zkaccel_backends::BackendError;

use super::faults::{Fault, FaultKind};

const RUNNING: u8 = 0;
const DONE: u8 = 1;
const ABANDONED: u8 = 2;

/// Runs `f`, turning an error into a [`Fault`] and a panic into [`FaultKind::Panicked`].
pub fn inline<T>(f: impl FnOnce() -> Result<T, BackendError>) -> Result<T, Fault> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Fault::from_error(&error)),
        Err(panic) => Err(Fault::new(FaultKind::Panicked, panic_message(panic.as_ref()))),
    }
}

/// Like [`inline`] but for a job that already reports faults.
pub fn inline_fault<T>(f: impl FnOnce() -> Result<T, Fault>) -> Result<T, Fault> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => Err(Fault::new(FaultKind::Panicked, panic_message(panic.as_ref()))),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic".into());
    format!("the backend panicked: {text}")
}

/// Runs `f` on a new thread and waits at most `deadline` for it. `abandoned` counts this
/// device's threads that were given up on; at `max_abandoned` nothing is started.
pub fn with_deadline<T: Send + 'static>(
    device: &str,
    abandoned: &Arc<AtomicIsize>,
    max_abandoned: usize,
    deadline: Duration,
    f: impl FnOnce() -> Result<T, Fault> + Send + 'static,
) -> Result<T, Fault> {
    let out = abandoned.load(Ordering::Acquire);
    if out >= max_abandoned as isize {
        return Err(Fault::new(
            FaultKind::Timeout,
            format!("{out} earlier calls on this device never returned; it gets no more work until they do"),
        ));
    }
    let (tx, rx) = mpsc::sync_channel(1);
    let state = Arc::new(AtomicU8::new(RUNNING));
    let (thread_state, thread_abandoned) = (state.clone(), abandoned.clone());
    let spawned = std::thread::Builder::new().name(format!("zkaccel-share-{device}")).spawn(move || {
        let result = inline_fault(f);
        if thread_state.compare_exchange(RUNNING, DONE, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // The caller gave up on this thread and counted it; it is back now.
            thread_abandoned.fetch_sub(1, Ordering::AcqRel);
        }
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        return Err(Fault::new(FaultKind::Unexpected, format!("cannot start a thread for the share: {e}")));
    }
    match rx.recv_timeout(deadline) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // Count first, so the thread's uncount (only after a successful abandon) never
            // runs before it.
            abandoned.fetch_add(1, Ordering::AcqRel);
            if state.compare_exchange(RUNNING, ABANDONED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                Err(Fault::new(
                    FaultKind::Timeout,
                    format!("no answer within {:.3} s; the call was abandoned", deadline.as_secs_f64()),
                ))
            } else {
                abandoned.fetch_sub(1, Ordering::AcqRel);
                rx.recv().unwrap_or_else(|_| Err(Fault::new(FaultKind::Panicked, "the share's thread vanished")))
            }
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(Fault::new(FaultKind::Panicked, "the share's thread ended without an answer"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hung_call_is_abandoned_and_bounded() {
        let abandoned = Arc::new(AtomicIsize::new(0));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
        let hang = |rx: Arc<std::sync::Mutex<mpsc::Receiver<()>>>| {
            move || {
                let _ = rx.lock().unwrap().recv_timeout(Duration::from_secs(10));
                Ok::<u32, Fault>(1)
            }
        };
        let ms = Duration::from_millis(30);
        let err = with_deadline("t", &abandoned, 1, ms, hang(release_rx.clone())).unwrap_err();
        assert_eq!(err.kind, FaultKind::Timeout);
        assert_eq!(abandoned.load(Ordering::Acquire), 1);
        let err = with_deadline("t", &abandoned, 1, ms, || Ok::<u32, Fault>(2)).unwrap_err();
        assert!(err.message.contains("never returned"), "{err}");
        release_tx.send(()).unwrap();
        for _ in 0..200 {
            if abandoned.load(Ordering::Acquire) == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(abandoned.load(Ordering::Acquire), 0, "the thread uncounted itself");
        assert_eq!(with_deadline("t", &abandoned, 1, ms * 100, || Ok::<u32, Fault>(3)), Ok(3));
    }

    #[test]
    fn panics_become_faults() {
        let err = inline(|| -> Result<(), BackendError> { panic!("boom") }).unwrap_err();
        assert_eq!(err.kind, FaultKind::Panicked);
        assert!(err.message.contains("boom"));
        let abandoned = Arc::new(AtomicIsize::new(0));
        let err = with_deadline("t", &abandoned, 1, Duration::from_secs(5), || -> Result<(), Fault> { panic!("bang") })
            .unwrap_err();
        assert!(err.kind == FaultKind::Panicked && err.message.contains("bang"), "{err}");
    }
}
