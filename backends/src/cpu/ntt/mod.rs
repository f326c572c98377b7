//! Fast NTT (placeholder).
use crate::types::NttConfig;
use ark_bn254::Fr;

/// Caches twiddles per domain.
#[derive(Debug, Default)]
pub struct NttEngine;

impl NttEngine {
    /// A new engine with an empty cache.
    pub fn new() -> Self {
        NttEngine
    }
    /// In-place NTT of `data` (length 2^log_n, checked by the caller).
    pub fn ntt(&self, data: &mut [Fr], log_n: u32, config: NttConfig) {
        let _ = (data, log_n, config);
        todo!()
    }
    /// In-place NTTs of consecutive 2^log_n-element polynomials.
    pub fn ntt_batch(&self, data: &mut [Fr], log_n: u32, config: NttConfig) {
        for chunk in data.chunks_mut(1 << log_n) {
            self.ntt(chunk, log_n, config);
        }
    }
}

/// Estimated working memory of an NTT of `n` elements, in bytes.
pub fn working_memory_bytes(n: usize) -> u64 {
    n as u64 * 32
}
