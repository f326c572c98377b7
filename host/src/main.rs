//! zkaccel command line (placeholder).
fn main() {}
