//! Plain, obviously correct implementations. Every backend's tests compare against these;
//! they are slow on purpose and never used to serve work.

pub mod msm;
pub mod ntt;
pub mod poseidon;
