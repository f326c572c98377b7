// G1 multi-scalar multiplication by signed-digit bucket windows (backends/webgpu/src/msm/).
//
// The host runs, per chunk of points and per group of `wg` windows starting at `w0`:
//   msm_decompose   one invocation per scalar: signed c-bit digits with carry; for each window
//                   of the group, key+1 (0 for a zero digit) and the point index with the sign
//                   in bit 31, at index lw·n + i; counts the keys (atomic histogram).
//   msm_scan        one workgroup per window: exclusive prefix sum of the window's counts,
//                   offset by lw·n, into `starts` and into the counters (the scatter cursors).
//   msm_scatter     one invocation per (window, point) entry: counting-sort scatter.
//   msm_accumulate  one invocation per slice of `slice_len` sorted entries: sums the runs of
//                   equal keys; a bucket wholly inside the slice is written to `buckets`, the
//                   run of a bucket that starts before the slice to partials[2t], the run of one
//                   that ends after it to partials[2t + 1].
//   msm_combine_tree  one invocation per slice, ⌈log2(slices)⌉ passes: the partial sums of a
//                   bucket that spans many slices are added pairwise in a tree, so a huge bucket
//                   (many equal digits, such as the scalars 0 and 1 of a circuit's witness)
//                   costs log-depth additions, not one invocation's long loop.
//   msm_combine     one invocation per bucket: empty buckets become the identity, buckets that
//                   span several slices add their first slice's run to the tree's sum.
//   msm_reduce      one invocation per (window, segment of `seg_len` buckets): running sums
//                   give acc = Σ (j − lo + 1)·B_j and run = Σ B_j over the segment.
//   msm_finish      one invocation per window: Σ acc_s + seg_len·Σ s·run_s (the segments'
//                   offsets lo = s·seg_len, by a running sum and doublings) into
//                   window_sums[w0 + lw].
// Bucket j of window lw holds the points whose digit is ±(j + 1); its key is lw·B + j.

struct Params {
    // Points in this chunk.
    n: u32,
    // Index of the chunk's first point in the bases buffer.
    base_offset: u32,
    // Window width in bits (4..16).
    c: u32,
    // Buckets per window, 2^(c−1).
    buckets: u32,
    // First window of this group.
    w0: u32,
    // Windows in this group.
    wg: u32,
    // Sorted entries per accumulation invocation.
    slice_len: u32,
    // Buckets per reduction segment.
    seg_len: u32,
    // Segments per window (buckets / seg_len).
    segs: u32,
    // Entries in the group: n · wg.
    total: u32,
    // log2(seg_len).
    log_seg_len: u32,
    // msm_combine_tree: the pass, 0-based (stride 2^pass).
    tree_pass: u32,
}

@group(0) @binding(0) var<uniform> params: Params;

const SIGN_BIT: u32 = 0x80000000u;

// ---- msm_decompose ----
@group(0) @binding(1) var<storage, read> scalars: array<Words>;
@group(0) @binding(2) var<storage, read_write> keys_out: array<u32>;
@group(0) @binding(3) var<storage, read_write> vals_out: array<u32>;
@group(0) @binding(4) var<storage, read_write> histogram: array<atomic<u32>>;

// Bits [w·c, w·c + c) of a scalar in standard form (eight little-endian u32 words).
fn window_bits(s: Words, w: u32) -> u32 {
    var words = s;
    let bit = w * params.c;
    let idx = bit / 32u;
    let sh = bit % 32u;
    if (idx >= 8u) {
        return 0u;
    }
    var v = words[idx] >> sh;
    if (sh + params.c > 32u && idx + 1u < 8u) {
        v |= words[idx + 1u] << (32u - sh);
    }
    return v & ((1u << params.c) - 1u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_decompose(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.n) {
        return;
    }
    let s = scalars[i];
    let half = params.buckets;
    let full = 2u * half;
    var carry = 0u;
    for (var w = 0u; w < params.w0 + params.wg; w++) {
        var v = window_bits(s, w) + carry;
        var neg = false;
        if (v > half) {
            v = full - v;
            neg = true;
            carry = 1u;
        } else {
            carry = 0u;
        }
        if (w >= params.w0) {
            let lw = w - params.w0;
            let j = lw * params.n + i;
            if (v == 0u) {
                keys_out[j] = 0u;
            } else {
                let key = lw * half + v - 1u;
                keys_out[j] = key + 1u;
                vals_out[j] = i | select(0u, SIGN_BIT, neg);
                atomicAdd(&histogram[key], 1u);
            }
        }
    }
}

// ---- msm_scan ----
@group(0) @binding(1) var<storage, read_write> scan_counts: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> scan_starts: array<u32>;

var<workgroup> scan_sums: array<u32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_scan(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let lw = workgroup_linear_id(wid, nwg);
    let per = (params.buckets + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
    let base = lw * params.buckets;
    let lo = min(lid.x * per, params.buckets);
    let hi = min(lo + per, params.buckets);
    let in_range = lw < params.wg;
    var local_sum = 0u;
    if (in_range) {
        for (var k = lo; k < hi; k++) {
            local_sum += atomicLoad(&scan_counts[base + k]);
        }
    }
    scan_sums[lid.x] = local_sum;
    workgroupBarrier();
    if (lid.x == 0u) {
        var run = 0u;
        for (var t = 0u; t < WORKGROUP_SIZE; t++) {
            let s = scan_sums[t];
            scan_sums[t] = run;
            run += s;
        }
    }
    workgroupBarrier();
    if (in_range) {
        var run = lw * params.n + scan_sums[lid.x];
        for (var k = lo; k < hi; k++) {
            let count = atomicLoad(&scan_counts[base + k]);
            scan_starts[base + k] = run;
            atomicStore(&scan_counts[base + k], run);
            run += count;
        }
    }
}

// ---- msm_scatter ----
@group(0) @binding(1) var<storage, read> sc_keys: array<u32>;
@group(0) @binding(2) var<storage, read> sc_vals: array<u32>;
@group(0) @binding(3) var<storage, read_write> sc_cursor: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> sorted_keys: array<u32>;
@group(0) @binding(5) var<storage, read_write> sorted_vals: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let j = linear_id(gid, nwg);
    if (j >= params.total) {
        return;
    }
    let key = sc_keys[j];
    if (key == 0u) {
        return;
    }
    let pos = atomicAdd(&sc_cursor[key - 1u], 1u);
    sorted_keys[pos] = key;
    sorted_vals[pos] = sc_vals[j];
}

// ---- msm_accumulate ----
@group(0) @binding(1) var<storage, read> acc_keys: array<u32>;
@group(0) @binding(2) var<storage, read> acc_vals: array<u32>;
@group(0) @binding(3) var<storage, read> acc_starts: array<u32>;
@group(0) @binding(4) var<storage, read> acc_ends: array<u32>;
@group(0) @binding(5) var<storage, read> bases: array<AffineWords>;
@group(0) @binding(6) var<storage, read_write> acc_buckets: array<XyzzWords>;
@group(0) @binding(7) var<storage, read_write> acc_partials: array<XyzzWords>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = linear_id(gid, nwg);
    let lo = t * params.slice_len;
    if (lo >= params.total) {
        return;
    }
    let hi = min(lo + params.slice_len, params.total);
    var pos = lo;
    loop {
        if (pos >= hi) {
            break;
        }
        let key = acc_keys[pos];
        if (key == 0u) {
            pos++;
            continue;
        }
        var acc = xyzz_identity();
        loop {
            if (pos >= hi || acc_keys[pos] != key) {
                break;
            }
            let v = acc_vals[pos];
            var a = affine_from_words(bases[params.base_offset + (v & ~SIGN_BIT)]);
            if ((v & SIGN_BIT) != 0u) {
                a = affine_neg(a);
            }
            acc = xyzz_add_affine(acc, a);
            pos++;
        }
        let k = key - 1u;
        let s = acc_starts[k];
        let e = acc_ends[k];
        if (s >= lo && e <= hi) {
            acc_buckets[k] = xyzz_to_words(acc);
        } else if (s < lo) {
            acc_partials[2u * t] = xyzz_to_words(acc);
        } else {
            acc_partials[2u * t + 1u] = xyzz_to_words(acc);
        }
    }
}

// ---- msm_combine_tree ----
@group(0) @binding(1) var<storage, read> ct_keys: array<u32>;
@group(0) @binding(2) var<storage, read> ct_starts: array<u32>;
@group(0) @binding(3) var<storage, read> ct_ends: array<u32>;
@group(0) @binding(4) var<storage, read_write> ct_partials: array<XyzzWords>;

// Slice t whose first run continues a bucket begun in slice t0 holds that run at
// partials[2t]. For the bucket's continuation slices t0 + 1 ..= t1, pass p adds
// partials[2(t + 2^p)] into partials[2t] where (t − t0 − 1) is a multiple of 2^(p+1); after
// the passes partials[2(t0 + 1)] holds the sum of them all. No slice is written and read by
// different invocations in one pass.
@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_combine_tree(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = linear_id(gid, nwg);
    let lo = t * params.slice_len;
    if (lo >= params.total) {
        return;
    }
    let key = ct_keys[lo];
    if (key == 0u) {
        return;
    }
    let k = key - 1u;
    let s = ct_starts[k];
    if (s >= lo) {
        return;
    }
    let t0 = s / params.slice_len;
    let t1 = (ct_ends[k] - 1u) / params.slice_len;
    let stride = 1u << params.tree_pass;
    let d = t - t0 - 1u;
    if ((d & (2u * stride - 1u)) != 0u || t + stride > t1) {
        return;
    }
    let sum = xyzz_add(xyzz_from_words(ct_partials[2u * t]), xyzz_from_words(ct_partials[2u * (t + stride)]));
    ct_partials[2u * t] = xyzz_to_words(sum);
}

// ---- msm_combine ----
@group(0) @binding(1) var<storage, read> cb_starts: array<u32>;
@group(0) @binding(2) var<storage, read> cb_ends: array<u32>;
@group(0) @binding(3) var<storage, read> cb_partials: array<XyzzWords>;
@group(0) @binding(4) var<storage, read_write> cb_buckets: array<XyzzWords>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = linear_id(gid, nwg);
    if (k >= params.wg * params.buckets) {
        return;
    }
    let s = cb_starts[k];
    let e = cb_ends[k];
    if (e == s) {
        cb_buckets[k] = xyzz_to_words(xyzz_identity());
        return;
    }
    let t0 = s / params.slice_len;
    let t1 = (e - 1u) / params.slice_len;
    if (t0 == t1) {
        return;
    }
    // The run in slice t0, plus the tree's sum of the continuation slices.
    let first = xyzz_from_words(cb_partials[2u * t0 + 1u]);
    let rest = xyzz_from_words(cb_partials[2u * (t0 + 1u)]);
    cb_buckets[k] = xyzz_to_words(xyzz_add(first, rest));
}

// ---- msm_reduce ----
@group(0) @binding(1) var<storage, read> rd_buckets: array<XyzzWords>;
@group(0) @binding(2) var<storage, read_write> rd_segments: array<XyzzWords>;

// Segment id of window lw covers buckets [lo, lo + seg_len). Writes, at 2·id and 2·id + 1,
// acc = Σ (j − lo + 1)·B_j and run = Σ B_j. Each kernel has a single call site of the
// addition (the software driver inlines every call), so the two running sums alternate.
@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = linear_id(gid, nwg);
    if (id >= params.wg * params.segs) {
        return;
    }
    let lw = id / params.segs;
    let lo = (id % params.segs) * params.seg_len;
    let base = lw * params.buckets + lo;
    var run = xyzz_identity();
    var acc = xyzz_identity();
    for (var step = 0u; step < 2u * params.seg_len; step++) {
        let j = params.seg_len - 1u - step / 2u;
        let even = (step & 1u) == 0u;
        var lhs = acc;
        var rhs = run;
        if (even) {
            lhs = run;
            rhs = xyzz_from_words(rd_buckets[base + j]);
        }
        let sum = xyzz_add(lhs, rhs);
        if (even) {
            run = sum;
        } else {
            acc = sum;
        }
    }
    rd_segments[2u * id] = xyzz_to_words(acc);
    rd_segments[2u * id + 1u] = xyzz_to_words(run);
}

// ---- msm_finish ----
@group(0) @binding(1) var<storage, read> fin_segments: array<XyzzWords>;
@group(0) @binding(2) var<storage, read_write> window_sums: array<XyzzWords>;

// Window lw's sum Σ (j + 1)·B_j = Σ_s acc_s + seg_len·Σ_s s·run_s: a running sum over the
// segments from the top gives Σ_s s·run_s, log2(seg_len) doublings scale it.
@compute @workgroup_size(WORKGROUP_SIZE)
fn msm_finish(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let lw = linear_id(gid, nwg);
    if (lw >= params.wg) {
        return;
    }
    let segs = params.segs;
    var total = xyzz_identity();
    var run = xyzz_identity();
    var weighted = xyzz_identity();
    let steps = 3u * segs + params.log_seg_len + 1u;
    for (var step = 0u; step < steps; step++) {
        // which: 0 total, 1 run, 2 weighted.
        var which = 2u;
        var lhs = weighted;
        var rhs = weighted;
        if (step < 3u * segs) {
            let s = segs - 1u - step / 3u;
            let idx = 2u * (lw * segs + s);
            which = step % 3u;
            if (which == 0u) {
                lhs = total;
                rhs = xyzz_from_words(fin_segments[idx]);
            } else if (s == 0u) {
                continue;
            } else if (which == 1u) {
                lhs = run;
                rhs = xyzz_from_words(fin_segments[idx + 1u]);
            } else {
                rhs = run;
            }
        } else if (step == steps - 1u) {
            which = 0u;
            lhs = total;
        }
        let sum = xyzz_add(lhs, rhs);
        if (which == 0u) {
            total = sum;
        } else if (which == 1u) {
            run = sum;
        } else {
            weighted = sum;
        }
    }
    window_sums[params.w0 + lw] = xyzz_to_words(total);
}
