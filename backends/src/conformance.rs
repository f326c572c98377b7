//! Shared correctness suite (placeholder).
