//! Reference msm (placeholder).
