// Circomlib-compatible Poseidon over BN254 Fr (x^5 S-box, 8 full rounds), one invocation per
// hash, in the optimized form of backends/src/cpu/poseidon/optimized.rs (followed literally:
// during the partial rounds state[0] holds a rescaled value).
//
// The host (backends/webgpu/src/poseidon/mod.rs) uploads one constant buffer per width t, in
// Montgomery form, laid out as
//   full constants   8·t      (t per full round, in order)
//   partial consts   P        (one per partial round, added to state[0])
//   mds              t·t      (row-major)
//   pre-matrix       t·t      (replaces the MDS in the last full round before the partial ones)
//   sparse rows      P·t      (state'[0] = Σ row[j]·state[j])
//   sparse columns   P·(t−1)  (state'[i] += col[i−1]·state[0] for i ≥ 2; col[0] is 1)
// with the section offsets in Params. Merkle levels are this kernel with t = 3.
//
// Loop budget. llvmpipe (lavapipe) caps the loop iterations one invocation may run at 65535 in
// all (LP_MAX_TGSI_LOOP_ITERATIONS, counted over every loop of the inlined kernel); past it every
// loop exits early and the hash comes out wrong. field.wgsl's fe_mul costs ~16 of them (its outer
// loop), which puts t ≥ 14 over the cap, so this file multiplies with `poseidon_mul`, whose outer
// loop is written out (no iterations counted), and keeps each multiplication to one call site.

struct Params {
    count: u32,          // hashes in this dispatch
    t: u32,              // state width: inputs per hash + 1 (2..=17)
    partial_rounds: u32,
    in_offset: u32,      // element index in `inputs` of the first hash's first input
    out_offset: u32,     // element index in `out` of the first hash's output
    off_partial: u32,    // section offsets in `constants`, in elements
    off_mds: u32,
    off_pre: u32,
    off_row: u32,
    off_col: u32,
    sbox_muls: u32,      // 3 (x², x⁴, x⁵); a parameter only to keep the loop rolled
}

const POSEIDON_MAX_T: u32 = 17u;
const POSEIDON_HALF_FULL: u32 = 4u;

alias PoseidonState = array<Fe, POSEIDON_MAX_T>;
alias PoseidonAcc = array<u32, 18>;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inputs: array<Words>;
@group(0) @binding(2) var<storage, read> constants: array<Words>;
@group(0) @binding(3) var<storage, read_write> out: array<Words>;

fn poseidon_constant(i: u32) -> Fe {
    return fe_from_words(constants[i]);
}

// One outer step of fe_mul's CIOS loop: t ← (t + x·yi + m·p) / 2^16.
fn poseidon_mul_step(acc: ptr<function, PoseidonAcc>, a: Fe, yi: u32) {
    var x = a;
    var p = FIELD_P;
    var c = 0u;
    for (var j = 0u; j < 16u; j++) {
        let s = (*acc)[j] + x[j] * yi + c;
        (*acc)[j] = s & LIMB_MASK;
        c = s >> 16u;
    }
    let s1 = (*acc)[16] + c;
    (*acc)[16] = s1 & LIMB_MASK;
    (*acc)[17] = s1 >> 16u;

    let m = ((*acc)[0] * FIELD_INV) & LIMB_MASK;
    c = ((*acc)[0] + m * p[0]) >> 16u;
    for (var j = 1u; j < 16u; j++) {
        let s = (*acc)[j] + m * p[j] + c;
        (*acc)[j - 1u] = s & LIMB_MASK;
        c = s >> 16u;
    }
    let s2 = (*acc)[16] + c;
    (*acc)[15] = s2 & LIMB_MASK;
    (*acc)[16] = (*acc)[17] + (s2 >> 16u);
}

// fe_mul with the outer loop written out (see "Loop budget" above); same result.
fn poseidon_mul(a: Fe, b: Fe) -> Fe {
    var y = b;
    var acc: PoseidonAcc;
    poseidon_mul_step(&acc, a, y[0]);
    poseidon_mul_step(&acc, a, y[1]);
    poseidon_mul_step(&acc, a, y[2]);
    poseidon_mul_step(&acc, a, y[3]);
    poseidon_mul_step(&acc, a, y[4]);
    poseidon_mul_step(&acc, a, y[5]);
    poseidon_mul_step(&acc, a, y[6]);
    poseidon_mul_step(&acc, a, y[7]);
    poseidon_mul_step(&acc, a, y[8]);
    poseidon_mul_step(&acc, a, y[9]);
    poseidon_mul_step(&acc, a, y[10]);
    poseidon_mul_step(&acc, a, y[11]);
    poseidon_mul_step(&acc, a, y[12]);
    poseidon_mul_step(&acc, a, y[13]);
    poseidon_mul_step(&acc, a, y[14]);
    poseidon_mul_step(&acc, a, y[15]);
    var r: Fe;
    for (var i = 0u; i < 16u; i++) {
        r[i] = acc[i];
    }
    return fe_reduce_once(r);
}

// x^5 as x·(x²)², through one multiplication site: x², x⁴, x·x⁴ in a loop whose trip count
// (always 3, from Params) the compiler cannot see, so it is not unrolled into three copies.
fn poseidon_pow5(x: Fe) -> Fe {
    var a = x;
    for (var k = 0u; k < params.sbox_muls; k++) {
        var u = a;
        var v = a;
        if (k == 2u) {
            u = x;
        }
        a = poseidon_mul(u, v);
    }
    return a;
}

// Every round runs the same code (one copy of each multiplication): add constants and S-box on
// state[0..n) (n = t in full rounds, 1 in partial ones), then the dense matrix (full rounds) or
// the sparse one (partial rounds). Full rounds 0..4, the partial rounds, then full rounds 4..8;
// the last full round's matrix computes state[0] only.
@compute @workgroup_size(WORKGROUP_SIZE)
fn poseidon_hash(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = linear_id(gid, nwg);
    if (id >= params.count) {
        return;
    }
    let t = params.t;
    let partial = params.partial_rounds;
    var state: PoseidonState;
    let base = params.in_offset + id * (t - 1u);
    for (var k = 1u; k < t; k++) {
        state[k] = fe_from_words(inputs[base + k - 1u]);
    }

    for (var r = 0u; r < 2u * POSEIDON_HALF_FULL + partial; r++) {
        let is_partial = r >= POSEIDON_HALF_FULL && r < POSEIDON_HALF_FULL + partial;
        let p = r - POSEIDON_HALF_FULL;
        var full = r;
        if (r >= POSEIDON_HALF_FULL) {
            full = r - partial;
        }
        var n = t;
        var c_off = full * t;
        if (is_partial) {
            n = 1u;
            c_off = params.off_partial + p;
        }
        for (var i = 0u; i < n; i++) {
            state[i] = poseidon_pow5(fe_add(state[i], poseidon_constant(c_off + i)));
        }

        // The matrix: dense rows (all t in full rounds, the last of which needs state[0] only) or,
        // in a partial round, the sparse matrix's first row followed by its first column:
        // state'[i] = state[i] + col[i − 1] · state[0] for i ≥ 1, where col[0] = 1.
        var m = params.off_mds;
        var rows = t;
        if (is_partial) {
            m = params.off_row + p * t;
            rows = 1u;
        } else if (full + 1u == POSEIDON_HALF_FULL) {
            m = params.off_pre;
        } else if (full == 2u * POSEIDON_HALF_FULL - 1u) {
            rows = 1u;
        }
        var old: PoseidonState;
        for (var k = 0u; k < t; k++) {
            old[k] = state[k];
        }
        for (var i = 0u; i < rows; i++) {
            var acc = fe_zero();
            for (var j = 0u; j < t; j++) {
                acc = fe_add(acc, poseidon_mul(poseidon_constant(m + i * t + j), old[j]));
            }
            state[i] = acc;
        }
        if (is_partial) {
            let y = old[0];
            state[1] = fe_add(state[1], y);
            let col = params.off_col + p * (t - 1u);
            for (var j = 2u; j < t; j++) {
                state[j] = fe_add(state[j], poseidon_mul(y, poseidon_constant(col + j - 1u)));
            }
        }
    }
    out[params.out_offset + id] = fe_to_words(state[0]);
}
