// Limb-width measurement (backends/webgpu/examples/limb_width.rs): chains of Montgomery
// multiplications with the production 16-bit limbs of field.wgsl, and with 13-bit limbs,
// the width the 2023 WebGPU MSM competition found fastest on Apple GPUs.
//
// 13-bit variant: 20 limbs of 13 bits (260 bits), Montgomery R = 2^260. A 13x13-bit product
// is below 2^26, so columns accumulate products without carry propagation; one carry pass
// at the end. The header appends FIELD13_P
// (p in 13-bit limbs) and FIELD13_INV (-p^-1 mod 2^13), computed from arkworks' modulus.

alias Fe13 = array<u32, 20>;

const MASK13: u32 = 0x1fffu;

fn fe13_mul(a: Fe13, b: Fe13) -> Fe13 {
    var x = a;
    var y = b;
    var p = FIELD13_P;
    // CIOS with lazy carries: each step adds at most two 26-bit products to every column and a
    // column lives for at most 20 steps, so no column passes 2^32 before the final carry pass.
    var t: array<u32, 20>;
    for (var i = 0u; i < 20u; i++) {
        let yi = y[i];
        for (var j = 0u; j < 20u; j++) {
            t[j] += x[j] * yi;
        }
        let m = (t[0] * FIELD13_INV) & MASK13;
        for (var j = 0u; j < 20u; j++) {
            t[j] += m * p[j];
        }
        // t[0] is now a multiple of 2^13: shift the columns down one limb.
        let carry = t[0] >> 13u;
        for (var j = 0u; j < 19u; j++) {
            t[j] = t[j + 1u];
        }
        t[0] += carry;
        t[19] = 0u;
    }
    var r: Fe13;
    var carry = 0u;
    for (var i = 0u; i < 20u; i++) {
        let s = t[i] + carry;
        r[i] = s & MASK13;
        carry = s >> 13u;
    }
    // r < 2p: subtract p once if needed.
    var d: Fe13;
    var borrow = 0u;
    for (var i = 0u; i < 20u; i++) {
        let s = r[i] - p[i] - borrow;
        d[i] = s & MASK13;
        borrow = s >> 31u;
    }
    if (borrow == 0u) {
        return d;
    }
    return r;
}

struct Params {
    count: u32,
    rounds: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a16: array<Words>;
@group(0) @binding(2) var<storage, read> b16: array<Words>;
@group(0) @binding(3) var<storage, read_write> out16: array<Words>;

// x <- x * b, `rounds` times, 16-bit limbs.
@compute @workgroup_size(WORKGROUP_SIZE)
fn bench_mul16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    var x = fe_from_words(a16[i]);
    let b = fe_from_words(b16[i]);
    for (var r = 0u; r < params.rounds; r++) {
        x = fe_mul(x, b);
    }
    out16[i] = fe_to_words(x);
}

@group(0) @binding(1) var<storage, read> a13: array<Fe13>;
@group(0) @binding(2) var<storage, read> b13: array<Fe13>;
@group(0) @binding(3) var<storage, read_write> out13: array<Fe13>;

// x <- x * b, `rounds` times, 13-bit limbs.
@compute @workgroup_size(WORKGROUP_SIZE)
fn bench_mul13(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    var x = a13[i];
    let b = b13[i];
    for (var r = 0u; r < params.rounds; r++) {
        x = fe13_mul(x, b);
    }
    out13[i] = x;
}
