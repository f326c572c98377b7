//! Circomlib's Poseidon parameters over BN254 Fr: round constants, MDS matrices, round counts.
//!
//! The values are iden3's (circomlibjs `src/poseidon_constants.json`, npm circomlibjs 0.1.7),
//! converted by `scripts/gen_poseidon_constants.mjs` into `data/poseidon_constants.bin` (format in
//! `data/README.md`) and embedded here. The file is parsed once, on first use.

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};

/// Smallest state width (one input).
pub const MIN_WIDTH: usize = 2;
/// Largest state width (sixteen inputs).
pub const MAX_WIDTH: usize = 17;
/// Largest number of inputs one hash takes.
pub const MAX_ARITY: usize = MAX_WIDTH - 1;
/// Full rounds, for every width: half before the partial rounds, half after.
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds by width t = 2..=17 (index t − 2).
pub const PARTIAL_ROUNDS: [usize; 16] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

/// The embedded parameter file (see `data/README.md` for its layout).
pub const DATA: &[u8] = include_bytes!("data/poseidon_constants.bin");

/// The plain (textbook) parameters of Poseidon for one state width `t`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoseidonParams {
    /// State width: inputs + 1.
    pub t: usize,
    /// Full rounds (8): `full_rounds / 2` before and after the partial rounds.
    pub full_rounds: usize,
    /// Partial rounds, where only `state[0]` goes through the S-box.
    pub partial_rounds: usize,
    /// `(full_rounds + partial_rounds) * t` round constants; round `r` adds `[r*t, r*t + t)`.
    pub round_constants: Vec<Fr>,
    /// The t×t MDS matrix, row-major: `state'[i] = Σ_j mds[i*t + j] · state[j]`.
    pub mds: Vec<Fr>,
}

impl PoseidonParams {
    /// Number of rounds, full and partial.
    pub fn rounds(&self) -> usize {
        self.full_rounds + self.partial_rounds
    }

    /// The `t` constants added at the start of round `round`.
    pub fn round_constants(&self, round: usize) -> &[Fr] {
        &self.round_constants[round * self.t..(round + 1) * self.t]
    }

    /// Row `i` of the MDS matrix.
    pub fn mds_row(&self, i: usize) -> &[Fr] {
        &self.mds[i * self.t..(i + 1) * self.t]
    }

    /// Whether `round` is a full round (S-box on every element).
    pub fn is_full_round(&self, round: usize) -> bool {
        round < self.full_rounds / 2 || round >= self.full_rounds / 2 + self.partial_rounds
    }
}

/// The plain parameters for state width `t` (2..=17), parsed from the embedded file on first use.
///
/// # Panics
/// If `t` is outside 2..=17.
pub fn params(t: usize) -> &'static PoseidonParams {
    assert!((MIN_WIDTH..=MAX_WIDTH).contains(&t), "Poseidon width {t} is outside {MIN_WIDTH}..={MAX_WIDTH}");
    static ALL: OnceLock<Vec<PoseidonParams>> = OnceLock::new();
    &ALL.get_or_init(|| parse(DATA))[t - MIN_WIDTH]
}

/// Reads the embedded file. It is build-time data, so a malformed file is a bug: panic.
fn parse(data: &[u8]) -> Vec<PoseidonParams> {
    let mut r = Reader { data, pos: 0 };
    assert_eq!(r.take(8), b"ZKPOSEID", "poseidon_constants.bin: bad magic");
    assert_eq!(r.u32(), 1, "poseidon_constants.bin: unknown version");
    assert_eq!(r.u32(), MAX_WIDTH - MIN_WIDTH + 1, "poseidon_constants.bin: unexpected width count");
    let all: Vec<PoseidonParams> = (MIN_WIDTH..=MAX_WIDTH)
        .map(|t| {
            assert_eq!(r.u32(), t, "poseidon_constants.bin: widths out of order");
            let full_rounds = r.u32();
            let partial_rounds = r.u32();
            assert_eq!(full_rounds, FULL_ROUNDS, "t={t}: full rounds");
            assert_eq!(partial_rounds, PARTIAL_ROUNDS[t - MIN_WIDTH], "t={t}: partial rounds");
            let n_c = r.u32();
            assert_eq!(n_c, t * (full_rounds + partial_rounds), "t={t}: round constant count");
            let round_constants = (0..n_c).map(|_| r.fr()).collect();
            let mds = (0..t * t).map(|_| r.fr()).collect();
            PoseidonParams { t, full_rounds, partial_rounds, round_constants, mds }
        })
        .collect();
    assert_eq!(r.pos, data.len(), "poseidon_constants.bin: trailing bytes");
    all
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let bytes = &self.data[self.pos..self.pos + n];
        self.pos += n;
        bytes
    }

    fn u32(&mut self) -> usize {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes")) as usize
    }

    /// A canonical little-endian 32-byte value; anything ≥ r is rejected, never reduced.
    fn fr(&mut self) -> Fr {
        let bytes = self.take(32);
        let limbs: [u64; 4] =
            std::array::from_fn(|i| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8")));
        Fr::from_bigint(BigInt::new(limbs)).expect("poseidon_constants.bin: value not below r")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, Zero};

    #[test]
    fn poseidon_constants_parse_with_expected_shapes() {
        for t in MIN_WIDTH..=MAX_WIDTH {
            let p = params(t);
            assert_eq!(p.t, t);
            assert_eq!(p.round_constants.len(), t * p.rounds());
            assert_eq!(p.mds.len(), t * t);
            assert_eq!((0..p.rounds()).filter(|&r| p.is_full_round(r)).count(), FULL_ROUNDS);
            assert!(p.mds.iter().all(|m| !m.is_zero()));
        }
    }

    #[test]
    fn poseidon_constants_first_values_match_circomlibjs() {
        // C[0][0] and M[0][0][0] of circomlibjs's poseidon_constants.json.
        let c = Fr::from_bigint(BigInt::new([
            0x6c7dc0dbd0abd7a7,
            0xa71aa177534cdd1b,
            0xfe1faaba294cba38,
            0x09c46e9ec68e9bd4,
        ]));
        assert_eq!(Some(params(2).round_constants[0]), c);
        let m = Fr::from_bigint(BigInt::new([
            0xbceca70bd2af7ad5,
            0xaf07f38af8c952a7,
            0xec10345351a23a3a,
            0x066f6f85d6f68a85,
        ]));
        assert_eq!(Some(params(2).mds[0]), m);
        assert_ne!(params(2).mds[0], Fr::one());
    }

    #[test]
    #[should_panic(expected = "outside")]
    fn poseidon_constants_reject_bad_width() {
        params(18);
    }
}
