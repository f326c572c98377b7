//! Random bytes through the `.r1cs` reader: an error or a constraint system, never a panic.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use zkaccel::groth16::format::read_r1cs_from;

fuzz_target!(|data: &[u8]| {
    if let Ok(r1cs) = read_r1cs_from(Cursor::new(data)) {
        // A parsed system must also survive a witness check of any length.
        let _ = r1cs.check_witness(&[]);
    }
});
