//! Random bytes through the `.zkey` reader: it must return an error or a key, never panic, and
//! never allocate more than the input's size suggests.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use zkaccel::groth16::format::{read_zkey_from, ZkeyOptions};

fuzz_target!(|data: &[u8]| {
    let _ = read_zkey_from(Cursor::new(data), &ZkeyOptions::no_cache());
});
