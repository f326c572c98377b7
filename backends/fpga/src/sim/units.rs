//! The unit-testbench model (`fpga/sim/tb_units.sv` + `tb_units.cpp`): each RTL unit on its own
//! ports, fed one input per cycle. Every call returns the results and the cycles from the first
//! input to the last result, inclusive, so tests check both the values and the throughput.

use std::os::raw::c_void;

use super::build::{model_library, Model};
use super::{load, symbol, SimError};

/// A field element as the RTL holds it: four little-endian u64 limbs (Montgomery form).
pub type Limbs = [u64; 4];

type MulFn = unsafe extern "C" fn(*mut c_void, *const u64, *const u64, usize, *mut u64, *mut u64) -> u64;
type AddSubFn = unsafe extern "C" fn(*mut c_void, i32, *const u64, *const u64, usize, *mut u64, *mut u64) -> u64;
type G1AddFn = unsafe extern "C" fn(*mut c_void, *const u64, *const u64, *const u8, usize, *mut u64, *mut u8) -> u64;
type BflyFn = unsafe extern "C" fn(*mut c_void, *const u64, *const u64, *const u64, usize, *mut u64, *mut u64) -> u64;
type PoseidonFn = unsafe extern "C" fn(*mut c_void, *const u64, usize, *mut u64) -> u64;

/// Results of a unit run: the outputs and the cycles it took.
#[derive(Debug, Clone)]
pub struct Run<T> {
    /// One output per input, in order.
    pub out: T,
    /// Cycles from the first input to the last output, inclusive.
    pub cycles: u64,
}

/// One instance of the unit-testbench model.
pub struct UnitSim {
    handle: *mut c_void,
    free: unsafe extern "C" fn(*mut c_void),
    mul: MulFn,
    addsub: AddSubFn,
    g1add: G1AddFn,
    bfly: BflyFn,
    poseidon: PoseidonFn,
    _lib: libloading::Library,
}

// SAFETY: the model is only touched through `&mut self`, so one thread at a time; the Verilator
// context it owns has no thread affinity.
unsafe impl Send for UnitSim {}

fn flat(v: &[Limbs]) -> Vec<u64> {
    v.iter().flatten().copied().collect()
}

fn unflat(v: &[u64], width: usize) -> Vec<Vec<u64>> {
    v.chunks(width).map(<[u64]>::to_vec).collect()
}

fn limbs(v: &[u64]) -> Vec<Limbs> {
    v.chunks(4).map(|c| [c[0], c[1], c[2], c[3]]).collect()
}

/// One result of the G1 adder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaddOut {
    /// The result [X, Y, ZZ, ZZZ] (the bucket unchanged when `doubling`).
    pub xyzz: [Limbs; 4],
    /// The point equalled the bucket: the adder left the doubling to its caller.
    pub doubling: bool,
    /// The point [x, y] as the adder passes it on with its result.
    pub point: [Limbs; 2],
}

impl UnitSim {
    /// Builds (or reuses) the model and starts an instance.
    pub fn new() -> Result<Self, SimError> {
        let path = model_library(Model::Units)?;
        let lib = load(&path, b"zkt_abi_version", 2)?;
        let new: unsafe extern "C" fn() -> *mut c_void = symbol(&lib, b"zkt_new")?;
        let sim = UnitSim {
            free: symbol(&lib, b"zkt_free")?,
            mul: symbol(&lib, b"zkt_mul")?,
            addsub: symbol(&lib, b"zkt_addsub")?,
            g1add: symbol(&lib, b"zkt_g1add")?,
            bfly: symbol(&lib, b"zkt_bfly")?,
            poseidon: symbol(&lib, b"zkt_poseidon")?,
            // SAFETY: `zkt_new` takes nothing and returns a fresh model, freed in Drop.
            handle: unsafe { new() },
            _lib: lib,
        };
        Ok(sim)
    }

    /// Montgomery products a·b·2^-256 mod q and mod r of each pair (both multipliers).
    pub fn mont_mul(&mut self, a: &[Limbs], b: &[Limbs]) -> Run<(Vec<Limbs>, Vec<Limbs>)> {
        assert_eq!(a.len(), b.len(), "operand counts");
        let n = a.len();
        let (fa, fb) = (flat(a), flat(b));
        let (mut fq, mut fr) = (vec![0u64; 4 * n], vec![0u64; 4 * n]);
        // SAFETY: every buffer holds 4·n limbs, as zkt_mul reads and writes.
        let cycles = unsafe { (self.mul)(self.handle, fa.as_ptr(), fb.as_ptr(), n, fq.as_mut_ptr(), fr.as_mut_ptr()) };
        Run { out: (limbs(&fq), limbs(&fr)), cycles }
    }

    /// (a ± b) mod q and mod r of each pair.
    pub fn add_sub(&mut self, sub: bool, a: &[Limbs], b: &[Limbs]) -> Run<(Vec<Limbs>, Vec<Limbs>)> {
        assert_eq!(a.len(), b.len(), "operand counts");
        let n = a.len();
        let (fa, fb) = (flat(a), flat(b));
        let (mut fq, mut fr) = (vec![0u64; 4 * n], vec![0u64; 4 * n]);
        // SAFETY: every buffer holds 4·n limbs, as zkt_addsub reads and writes.
        let cycles = unsafe {
            (self.addsub)(self.handle, i32::from(sub), fa.as_ptr(), fb.as_ptr(), n, fq.as_mut_ptr(), fr.as_mut_ptr())
        };
        Run { out: (limbs(&fq), limbs(&fr)), cycles }
    }

    /// XYZZ bucket + affine point for each (bucket [X, Y, ZZ, ZZZ], point [x, y], point is
    /// the identity). `cycles` is 0 if a tag came back out of order.
    pub fn g1_madd(&mut self, buckets: &[[Limbs; 4]], points: &[[Limbs; 2]], p_inf: &[bool]) -> Run<Vec<MaddOut>> {
        let n = buckets.len();
        assert!(points.len() == n && p_inf.len() == n, "operand counts");
        let fb: Vec<u64> = buckets.iter().flat_map(|b| b.iter().flatten().copied()).collect();
        let fp: Vec<u64> = points.iter().flat_map(|p| p.iter().flatten().copied()).collect();
        let inf: Vec<u8> = p_inf.iter().map(|&b| u8::from(b)).collect();
        let mut out = vec![0u64; 24 * n];
        let mut dbl = vec![0u8; n];
        // SAFETY: buckets hold 16·n limbs, points 8·n, out 24·n, inf and dbl n bytes, as
        // zkt_g1add expects.
        let cycles = unsafe {
            (self.g1add)(self.handle, fb.as_ptr(), fp.as_ptr(), inf.as_ptr(), n, out.as_mut_ptr(), dbl.as_mut_ptr())
        };
        let out = unflat(&out, 24)
            .into_iter()
            .zip(dbl)
            .map(|(v, dbl)| {
                let l = limbs(&v);
                MaddOut { xyzz: [l[0], l[1], l[2], l[3]], doubling: dbl != 0, point: [l[4], l[5]] }
            })
            .collect();
        Run { out, cycles }
    }

    /// Butterflies (a + w·b, a − w·b) over Fr.
    pub fn butterfly(&mut self, a: &[Limbs], b: &[Limbs], w: &[Limbs]) -> Run<(Vec<Limbs>, Vec<Limbs>)> {
        let n = a.len();
        assert!(b.len() == n && w.len() == n, "operand counts");
        let (fa, fb, fw) = (flat(a), flat(b), flat(w));
        let (mut x, mut y) = (vec![0u64; 4 * n], vec![0u64; 4 * n]);
        // SAFETY: every buffer holds 4·n limbs, as zkt_bfly reads and writes.
        let cycles = unsafe {
            (self.bfly)(self.handle, fa.as_ptr(), fb.as_ptr(), fw.as_ptr(), n, x.as_mut_ptr(), y.as_mut_ptr())
        };
        Run { out: (limbs(&x), limbs(&y)), cycles }
    }

    /// circomlib Poseidon([in0, in1]) of each message, through the t = 3 core.
    pub fn poseidon(&mut self, messages: &[[Limbs; 2]]) -> Run<Vec<Limbs>> {
        let n = messages.len();
        let fi: Vec<u64> = messages.iter().flat_map(|m| m.iter().flatten().copied()).collect();
        let mut out = vec![0u64; 4 * n];
        // SAFETY: the input holds 8·n limbs and the output 4·n, as zkt_poseidon expects.
        let cycles = unsafe { (self.poseidon)(self.handle, fi.as_ptr(), n, out.as_mut_ptr()) };
        Run { out: limbs(&out), cycles }
    }
}

impl Drop for UnitSim {
    fn drop(&mut self) {
        // SAFETY: `handle` came from zkt_new and is freed exactly once, before the library unloads.
        unsafe { (self.free)(self.handle) }
    }
}
