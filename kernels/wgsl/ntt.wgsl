// Radix-2 NTT kernels over Fr (backends/webgpu/src/ntt/).
//
// A transform of a batch of polynomials of n = 2^log_n points, stored one after another in
// `data`, runs as: bit reversal inside each polynomial (optionally multiplying by the coset
// powers first), `ntt_tile_512` or `ntt_tile_1024` for the first stages (tiles of that many
// points in workgroup memory), one `ntt_stage` per remaining stage, and optionally
// `ntt_scale` (n^-1 and the inverse coset powers). Stage s combines pairs (i, i + 2^s) inside
// blocks of 2^(s+1) points with the twiddle w^(j * 2^(log_n - s - 1)), j = i mod 2^s, from
// the host's table aux[i] = w^i (i < n/2; w = the root of unity or its inverse). Polynomial
// boundaries are multiples of every block size, so a whole batch is one flat array for every
// kernel.

struct Params {
    // Points in the buffer (a multiple of n).
    total: u32,
    // log2 of the polynomial length.
    log_n: u32,
    // ntt_tile_*: stages to run; ntt_stage: the stage.
    stage: u32,
    // ntt_scale / ntt_bit_reverse_scale: factor index = local index & mask.
    mask: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> data: array<Words>;
// Twiddles (ntt_tile_*, ntt_stage) or scaling factors (ntt_scale, ntt_bit_reverse_scale).
@group(0) @binding(2) var<storage, read> aux: array<Words>;

// Tiles: 512 points * 32 bytes = 16 KiB (WebGPU's guaranteed minimum) or 1024 points = 32 KiB
// where the device allows it. The tile kernels are instantiated from ntt_tile.wgsl, once per
// size, each with its own workgroup array.
const NTT_TILE_THREADS: u32 = 256u;


// The index inside its polynomial whose log_n-bit reverse is `local`.
fn ntt_reverse(local: u32) -> u32 {
    return reverseBits(local) >> (32u - params.log_n);
}

// One butterfly x0 + w x1, x0 - w x1; `j == 0` means w = 1.
fn ntt_butterfly_tw(j: u32, s: u32, x0: Fe, x1_in: Fe) -> array<Fe, 2> {
    var x1 = x1_in;
    if (j != 0u) {
        x1 = fe_mul(x1, fe_from_words(aux[j << (params.log_n - s - 1u)]));
    }
    return array<Fe, 2>(fe_add(x0, x1), fe_sub(x0, x1));
}

// Swaps every point with its bit-reversed partner inside its polynomial.
@compute @workgroup_size(WORKGROUP_SIZE)
fn ntt_bit_reverse(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.total) {
        return;
    }
    let n_mask = (1u << params.log_n) - 1u;
    let local = i & n_mask;
    let r = ntt_reverse(local);
    if (local < r) {
        let j = (i & ~n_mask) | r;
        let a = data[i];
        data[i] = data[j];
        data[j] = a;
    }
}

// Like ntt_bit_reverse, multiplying point `local` by aux[local & mask] before it moves.
@compute @workgroup_size(WORKGROUP_SIZE)
fn ntt_bit_reverse_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.total) {
        return;
    }
    let n_mask = (1u << params.log_n) - 1u;
    let local = i & n_mask;
    let r = ntt_reverse(local);
    if (local < r) {
        let j = (i & ~n_mask) | r;
        let a = fe_mul(fe_from_words(data[i]), fe_from_words(aux[local & params.mask]));
        let b = fe_mul(fe_from_words(data[j]), fe_from_words(aux[r & params.mask]));
        data[i] = fe_to_words(b);
        data[j] = fe_to_words(a);
    } else if (local == r) {
        data[i] = fe_to_words(fe_mul(fe_from_words(data[i]), fe_from_words(aux[local & params.mask])));
    }
}

// Stage params.stage in global memory: one butterfly per invocation, total / 2 of them.
@compute @workgroup_size(WORKGROUP_SIZE)
fn ntt_stage(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = linear_id(gid, nwg);
    if (t >= params.total / 2u) {
        return;
    }
    let s = params.stage;
    let m = 1u << s;
    let j = t & (m - 1u);
    let i0 = ((t >> s) << (s + 1u)) | j;
    let i1 = i0 + m;
    let r = ntt_butterfly_tw(j, s, fe_from_words(data[i0]), fe_from_words(data[i1]));
    data[i0] = fe_to_words(r[0]);
    data[i1] = fe_to_words(r[1]);
}

// data[i] *= aux[(i mod n) & mask].
@compute @workgroup_size(WORKGROUP_SIZE)
fn ntt_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.total) {
        return;
    }
    let local = i & ((1u << params.log_n) - 1u);
    data[i] = fe_to_words(fe_mul(fe_from_words(data[i]), fe_from_words(aux[local & params.mask])));
}
