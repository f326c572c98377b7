// Poseidon over BN254 Fr, circomlib-compatible (widths t = 2..17, x^5 S-box, 8 full rounds, the
// partial round counts of backends/src/cpu/poseidon/constants.rs), in the optimized form of
// backends/src/cpu/poseidon/optimized.rs (folded constants, sparse partial-round matrices,
// rescaled S-box input). The recipe is followed literally, so outputs are bit-identical to the
// CPU backend's. One thread per hash; the state is a fixed-size array of Fr (T a template
// parameter; loops over it unrolled on the GPU for t <= 3 so it lives in registers, kept as
// loops for wider states, which live in local memory).
//
// Constants. Per width t with P partial rounds the optimized set is, in this order (each an Fr in
// Montgomery limbs, 32 bytes; offsets in elements):
//   full constants       8·t      at 0
//   partial constants    P        at 8t
//   MDS                  t²       at 8t + P
//   pre-matrix           t²       at 8t + P + t²
//   sparse first rows    P·t      at 8t + P + 2t²
//   sparse first columns P·(t−1)  at 8t + P + 2t² + P·t
// = 8t + 2t² + 2Pt elements. In bytes, by t: 2: 7 936, 3: 12 288, 4: 16 384, 5: 22 080,
// 6: 26 880, 7: 33 152, 8: 38 912, 9: 43 776, 10: 47 360, 11: 57 024, 12: 58 368, 13: 68 224,
// 14: 78 848, 15: 75 840, 16: 86 016, 17: 96 832.
//
// Choice: the GPU's constant bank holds 64 KiB per module, so `poseidon_constants` is sized for
// the largest set that fits, t = 12 (58 368 bytes, leaving ~7 KiB of the bank spare). Widths
// t <= POSEIDON_CONSTANT_MAX_T read constant memory (every thread of a warp reads the same
// element at the same time: the constant cache's broadcast case); wider sets (t = 13..17, arity
// 12..16) do not fit and are read from a global-memory buffer passed as `global_constants`
// (read-only, identical across the warp, so they stay hot in L1/L2). The host (backends/cuda/src/
// poseidon.rs) follows the same rule, rewrites `poseidon_constants` only when the arity changes,
// and keeps one global buffer per wide arity.
#include "field.cuh"

#define POSEIDON_MAX_T 17
// The widest state whose constants live in constant memory.
#define POSEIDON_CONSTANT_MAX_T 12
// 58 368 bytes: the t = 12 set.
#define POSEIDON_CONSTANT_WORDS 14592

// The widest state whose loops are unrolled into registers.
#define POSEIDON_UNROLL_MAX_T 3

#if defined(__CUDA_ARCH__)
// Loops over the state are unrolled for narrow widths (t <= 3: the state stays in registers, and
// Merkle trees use t = 3); wider states keep their loops and multiply through an out-of-line call,
// so each of the 16 instantiations stays small. Measured with NVRTC 12.4 for sm_90: every width
// unrolled did not finish in minutes; t <= 5 took 45 s; t <= 3 takes 16 s; none 6 s. Loops over
// rounds are never unrolled.
#define POSEIDON_UNROLL _Pragma("unroll")
#define POSEIDON_UNROLL_STATE _Pragma("unroll (T <= POSEIDON_UNROLL_MAX_T ? T : 1)")
#define POSEIDON_NO_UNROLL _Pragma("unroll 1")
#else
#define POSEIDON_UNROLL
#define POSEIDON_UNROLL_STATE
#define POSEIDON_NO_UNROLL
#endif

ZK_CONSTANT u32 poseidon_constants[POSEIDON_CONSTANT_WORDS];
ZK_REGISTER_CONSTANT(poseidon_constants)

// Element i of the constant set in constant memory.
struct PoseidonConstantSource {
    ZK_DEV Fr get(u32 i) const {
        Fr r;
        POSEIDON_UNROLL
        for (int k = 0; k < 8; k++) r.limb[k] = poseidon_constants[i * 8 + k];
        return r;
    }
};

// Element i of the constant set in global memory.
struct PoseidonGlobalSource {
    const u32* base;
    ZK_DEV Fr get(u32 i) const {
        Fr r;
        POSEIDON_UNROLL
        for (int k = 0; k < 8; k++) r.limb[k] = base[i * 8 + k];
        return r;
    }
};

// Multiplication out of line, for wide states: sixteen instantiations with every product
// inlined made a kernel NVRTC needed minutes to compile.
ZK_DEV_NOINLINE Fr poseidon_mul_call(const Fr& a, const Fr& b) {
    return fp_mul(a, b);
}

// a·b, inlined for narrow states (t <= POSEIDON_UNROLL_MAX_T), a call for wider ones.
template <int T>
ZK_DEV Fr poseidon_mul(const Fr& a, const Fr& b) {
    if constexpr (T <= POSEIDON_UNROLL_MAX_T) {
        return fp_mul(a, b);
    } else {
        return poseidon_mul_call(a, b);
    }
}

template <int T>
ZK_DEV Fr poseidon_pow5(const Fr& x) {
    Fr x2 = poseidon_mul<T>(x, x);
    Fr x4 = poseidon_mul<T>(x2, x2);
    return poseidon_mul<T>(x4, x);
}

// state <- m · state, m the row-major T×T matrix at element offset `m`.
template <int T, class Src>
ZK_DEV void poseidon_mix_dense(Fr state[T], const Src& c, u32 m) {
    Fr old[T];
    POSEIDON_UNROLL_STATE
    for (int i = 0; i < T; i++) old[i] = state[i];
    POSEIDON_UNROLL_STATE
    for (int i = 0; i < T; i++) {
        Fr acc = poseidon_mul<T>(c.get(m + i * T), old[0]);
        POSEIDON_UNROLL_STATE
        for (int j = 1; j < T; j++) acc = fp_add(acc, poseidon_mul<T>(c.get(m + i * T + j), old[j]));
        state[i] = acc;
    }
}

// A full round's first half: add the T constants at offset `k`, then x^5 on every element.
template <int T, class Src>
ZK_DEV void poseidon_add_sbox_all(Fr state[T], const Src& c, u32 k) {
    POSEIDON_UNROLL_STATE
    for (int i = 0; i < T; i++) state[i] = poseidon_pow5<T>(fp_add(state[i], c.get(k + i)));
}

// The permutation in the optimized form; returns state[0] at the end (the hash).
template <int T, class Src>
ZK_DEV Fr poseidon_permute(Fr state[T], const Src& c, u32 partial_rounds) {
    const u32 P = partial_rounds;
    const u32 off_partial = 8 * T;
    const u32 off_mds = off_partial + P;
    const u32 off_pre = off_mds + T * T;
    const u32 off_row = off_pre + T * T;
    const u32 off_col = off_row + P * T;

    // Four full rounds; the last mixes with the pre-matrix.
    POSEIDON_NO_UNROLL
    for (u32 r = 0; r < 4; r++) {
        poseidon_add_sbox_all<T>(state, c, r * T);
        poseidon_mix_dense<T>(state, c, r == 3 ? off_pre : off_mds);
    }

    // Partial rounds: state[0] += k_p, x^5 on it, then the sparse matrix (first row; first column
    // below the diagonal, whose first entry is 1).
    for (u32 p = 0; p < P; p++) {
        Fr y = poseidon_pow5<T>(fp_add(state[0], c.get(off_partial + p)));
        state[0] = y;
        const u32 row = off_row + p * T;
        Fr acc = poseidon_mul<T>(c.get(row), y);
        POSEIDON_UNROLL_STATE
        for (int j = 1; j < T; j++) acc = fp_add(acc, poseidon_mul<T>(c.get(row + j), state[j]));
        state[0] = acc;
        state[1] = fp_add(state[1], y);
        const u32 col = off_col + p * (T - 1);
        POSEIDON_UNROLL_STATE
        for (int i = 2; i < T; i++) state[i] = fp_add(state[i], poseidon_mul<T>(y, c.get(col + i - 1)));
    }

    // Four full rounds; only state[0] of the last mix is needed.
    POSEIDON_NO_UNROLL
    for (u32 r = 4; r < 7; r++) {
        poseidon_add_sbox_all<T>(state, c, r * T);
        poseidon_mix_dense<T>(state, c, off_mds);
    }
    poseidon_add_sbox_all<T>(state, c, 7 * T);
    Fr out = poseidon_mul<T>(c.get(off_mds), state[0]);
    POSEIDON_UNROLL_STATE
    for (int j = 1; j < T; j++) out = fp_add(out, poseidon_mul<T>(c.get(off_mds + j), state[j]));
    return out;
}

// Hash number `idx`: inputs[idx·(T−1) ..] → outputs[idx].
template <int T, class Src>
ZK_DEV void poseidon_hash_one(const u32* inputs, u32* outputs, u64 idx, const Src& c, u32 partial_rounds) {
    Fr state[T];
    state[0] = fp_zero<FrParams>();
    const u32* msg = inputs + idx * (u64)(T - 1) * 8;
    POSEIDON_UNROLL_STATE
    for (int i = 1; i < T; i++) state[i] = fp_load<FrParams>(msg + (i - 1) * 8);
    Fr h = poseidon_permute<T>(state, c, partial_rounds);
    fp_store(outputs + idx * 8, h);
}

// One hash per thread: `count` messages of t − 1 consecutive Fr (Montgomery limbs) at `inputs`,
// one Fr per message to `outputs`. t is 2..17, `partial_rounds` its partial round count; for
// t <= POSEIDON_CONSTANT_MAX_T the constants are read from `poseidon_constants` (written by the
// host beforehand) and `global_constants` is ignored, otherwise they are read from
// `global_constants` (layout in the file header). A Merkle level is this kernel with t = 3:
// the level below is its input, pairs (left, right) being consecutive.
ZK_KERNEL void poseidon_hash(const u32* inputs, u32* outputs, const u32* global_constants, u32 count, u32 t,
                             u32 partial_rounds) {
    u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= count) return;
    PoseidonConstantSource cm;
    PoseidonGlobalSource gm;
    gm.base = global_constants;
    switch (t) {
        case 2: poseidon_hash_one<2>(inputs, outputs, idx, cm, partial_rounds); break;
        case 3: poseidon_hash_one<3>(inputs, outputs, idx, cm, partial_rounds); break;
        case 4: poseidon_hash_one<4>(inputs, outputs, idx, cm, partial_rounds); break;
        case 5: poseidon_hash_one<5>(inputs, outputs, idx, cm, partial_rounds); break;
        case 6: poseidon_hash_one<6>(inputs, outputs, idx, cm, partial_rounds); break;
        case 7: poseidon_hash_one<7>(inputs, outputs, idx, cm, partial_rounds); break;
        case 8: poseidon_hash_one<8>(inputs, outputs, idx, cm, partial_rounds); break;
        case 9: poseidon_hash_one<9>(inputs, outputs, idx, cm, partial_rounds); break;
        case 10: poseidon_hash_one<10>(inputs, outputs, idx, cm, partial_rounds); break;
        case 11: poseidon_hash_one<11>(inputs, outputs, idx, cm, partial_rounds); break;
        case 12: poseidon_hash_one<12>(inputs, outputs, idx, cm, partial_rounds); break;
        case 13: poseidon_hash_one<13>(inputs, outputs, idx, gm, partial_rounds); break;
        case 14: poseidon_hash_one<14>(inputs, outputs, idx, gm, partial_rounds); break;
        case 15: poseidon_hash_one<15>(inputs, outputs, idx, gm, partial_rounds); break;
        case 16: poseidon_hash_one<16>(inputs, outputs, idx, gm, partial_rounds); break;
        case 17: poseidon_hash_one<17>(inputs, outputs, idx, gm, partial_rounds); break;
        default: break;  // the host never launches other widths
    }
}
ZK_REGISTER_KERNEL(poseidon_hash)

// poseidon_hash for t = 3 only (2-input hashes, Merkle levels): the same arguments (t must be
// 3). Alone in its kernel, the unrolled t = 3 state gets its own registers and no stack frame,
// where poseidon_hash takes the most any of its sixteen widths needs (docs/CUDA.md).
ZK_KERNEL void poseidon_hash_t3(const u32* inputs, u32* outputs, const u32* global_constants, u32 count, u32 t,
                                u32 partial_rounds) {
    (void)global_constants;
    (void)t;
    u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= count) return;
    PoseidonConstantSource cm;
    poseidon_hash_one<3>(inputs, outputs, idx, cm, partial_rounds);
}
ZK_REGISTER_KERNEL(poseidon_hash_t3)
