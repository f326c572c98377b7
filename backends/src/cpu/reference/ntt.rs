//! Reference ntt (placeholder).
