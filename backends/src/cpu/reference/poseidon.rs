//! Reference poseidon (placeholder).
