//! Device-resident NTT tables: twiddles per (log n, direction) and scale factors per (log n,
//! coset, direction), built on the host and uploaded once, then kept for the engine's life.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use zkaccel_backends::{Coset, NttDirection, Result};

use super::tables::{self, ScaleMode};
use crate::device::{DeviceBuffer, GpuDevice};
use crate::layout::FIELD_BYTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Twiddles(u32, NttDirection),
    Scale(u32, Coset, NttDirection),
}

/// The tables of every domain used so far, on one device.
#[derive(Default)]
pub struct TableCache {
    tables: Mutex<HashMap<Key, Arc<DeviceBuffer>>>,
    uploads: AtomicU64,
}

impl TableCache {
    /// Bytes the tables of this transform would add to the device (0 when all are cached).
    pub fn missing_bytes(&self, log_n: u32, coset: Coset, direction: NttDirection) -> u64 {
        let map = self.lock();
        let mut bytes = 0;
        if !map.contains_key(&Key::Twiddles(log_n, direction)) {
            bytes += tables::twiddle_bytes(log_n);
        }
        let (_, len) = tables::scale_shape(log_n, coset, direction);
        if len > 0 && !map.contains_key(&Key::Scale(log_n, coset, direction)) {
            bytes += (len * FIELD_BYTES) as u64;
        }
        bytes
    }

    /// The twiddle table of a `2^log_n` transform (log_n ≥ 1), uploaded on first use.
    pub fn twiddles(&self, device: &dyn GpuDevice, log_n: u32, direction: NttDirection) -> Result<Arc<DeviceBuffer>> {
        self.get_or_upload(device, Key::Twiddles(log_n, direction), || tables::twiddles(log_n, direction))
    }

    /// The scale mode and (unless the mode is none) table, uploaded on first use.
    pub fn scale(
        &self,
        device: &dyn GpuDevice,
        log_n: u32,
        coset: Coset,
        direction: NttDirection,
    ) -> Result<(ScaleMode, Option<Arc<DeviceBuffer>>)> {
        let (mode, _) = tables::scale_shape(log_n, coset, direction);
        if mode == ScaleMode::None {
            return Ok((mode, None));
        }
        let key = Key::Scale(log_n, coset, direction);
        let buf = self.get_or_upload(device, key, || tables::scale_table(log_n, coset, direction))?;
        Ok((mode, Some(buf)))
    }

    /// How many tables were uploaded so far (a cached table is uploaded once).
    pub fn uploads(&self) -> u64 {
        self.uploads.load(Ordering::Relaxed)
    }

    fn get_or_upload(
        &self,
        device: &dyn GpuDevice,
        key: Key,
        build: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Arc<DeviceBuffer>> {
        // Held while building, so concurrent callers of the same domain upload it once.
        let mut map = self.lock();
        if let Some(buf) = map.get(&key) {
            return Ok(Arc::clone(buf));
        }
        let bytes = build()?;
        let buf = device.alloc(bytes.len())?;
        device.upload(&buf, 0, &bytes)?;
        let buf = Arc::new(buf);
        map.insert(key, Arc::clone(&buf));
        self.uploads.fetch_add(1, Ordering::Relaxed);
        Ok(buf)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<DeviceBuffer>>> {
        // A panic elsewhere cannot leave the map half-updated: recover it.
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }
}
