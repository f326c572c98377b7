//! Random bytes through the `.wtns` reader: an error or a witness, never a panic.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use zkaccel::groth16::format::read_wtns_from;

fuzz_target!(|data: &[u8]| {
    let _ = read_wtns_from(Cursor::new(data));
});
