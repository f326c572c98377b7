//! zkaccel host library (placeholder).
