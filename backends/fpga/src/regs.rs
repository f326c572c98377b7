//! The kernel's AXI4-Lite register map (fpga/README.md documents each register) and command codes.

/// CTRL: write bit 0 to start; read bit 0 BUSY, bit 1 DONE, bit 2 ERROR.
pub const CTRL: u32 = 0x00;
/// IER: bit 0 raises the interrupt line while DONE is set.
pub const IER: u32 = 0x04;
/// ID: reads [`ID_VALUE`].
pub const ID: u32 = 0x08;
/// CAPS: bits 7:0 version, 12:8 CMAX (largest MSM window), 20:16 NTT_LOGMAX, 26:24 the
/// engines this build carries ([`ENGINE_MSM`], [`ENGINE_NTT`], [`ENGINE_POSEIDON`]).
pub const CAPS: u32 = 0x0c;
/// OP: the command code.
pub const OP: u32 = 0x10;
/// N: count argument (points, messages, or the NTT stage).
pub const N: u32 = 0x14;
/// ARG: window bits (MSM) or log2 of the NTT length.
pub const ARG: u32 = 0x18;
/// ERR: why the last command set ERROR (see `ERR_*`).
pub const ERR: u32 = 0x1c;
/// ADDR0..2, low word; the high word is 4 bytes above.
pub const ADDR: [u32; 3] = [0x20, 0x28, 0x30];
/// CYCLES, low and high word: kernel cycles of the last command.
pub const CYCLES_LO: u32 = 0x40;
/// See [`CYCLES_LO`].
pub const CYCLES_HI: u32 = 0x44;
/// STAT0: MSM pairs that went through the conflict queue in the last command.
pub const STAT0: u32 = 0x48;
/// STAT1: MSM cycles the input stream waited on a full conflict queue.
pub const STAT1: u32 = 0x4c;
/// STAT2: MSM additions that were doublings (a point equal to its bucket), left to the host.
pub const STAT2: u32 = 0x50;

/// The value of [`ID`]: "ZKF1".
pub const ID_VALUE: u32 = 0x5a4b_4631;
/// CTRL bits.
pub const CTRL_START: u32 = 1;
/// CTRL.BUSY.
pub const CTRL_BUSY: u32 = 1;
/// CTRL.DONE.
pub const CTRL_DONE: u32 = 2;
/// CTRL.ERROR.
pub const CTRL_ERROR: u32 = 4;

/// Command codes written to [`OP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Command {
    /// One MSM window: N pairs, ARG = c; ADDR0 points, ADDR1 digits, ADDR2 buckets out.
    MsmWindow = 1,
    /// NTT: load 2^ARG elements from ADDR0 (bit-reversed into the core).
    NttLoad = 2,
    /// NTT: load the 2^(ARG-1) twiddles from ADDR0.
    NttTwiddles = 3,
    /// NTT: run stage N of a 2^ARG transform.
    NttStage = 4,
    /// NTT: store 2^ARG elements to ADDR0.
    NttStore = 5,
    /// Poseidon t = 3: N messages of two inputs from ADDR0, N hashes to ADDR1.
    Poseidon = 6,
}

/// ERR codes.
pub const ERR_OP: u32 = 1;
/// A bad argument (window, NTT size or stage, zero count).
pub const ERR_ARG: u32 = 2;
/// The AXI4 master got an error response.
pub const ERR_BUS: u32 = 3;
/// The command's engine is not in this build (CAPS bits 26:24).
pub const ERR_ENGINE: u32 = 4;

/// The register-map version this host speaks.
pub const VERSION: u32 = 2;
/// CAPS engine bit: the MSM bucket engine.
pub const ENGINE_MSM: u32 = 1;
/// CAPS engine bit: the NTT core.
pub const ENGINE_NTT: u32 = 2;
/// CAPS engine bit: the Poseidon core.
pub const ENGINE_POSEIDON: u32 = 4;

/// What an ERR code means, for error messages.
pub fn err_meaning(code: u32) -> &'static str {
    match code {
        ERR_OP => "unknown command",
        ERR_ARG => "bad argument",
        ERR_BUS => "AXI error response",
        ERR_ENGINE => "engine not in this build",
        _ => "unknown error code",
    }
}
