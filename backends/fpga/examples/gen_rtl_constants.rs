//! Writes `fpga/rtl/poseidon_t3_consts.svh` from the CPU reference's Poseidon parameters.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join(zkaccel_fpga::rtl_constants::POSEIDON_T3_SVH);
    std::fs::write(&path, zkaccel_fpga::rtl_constants::poseidon_t3_svh())?;
    println!("wrote {}", path.display());
    Ok(())
}
