// G1 multi-scalar multiplication: Pippenger with signed c-bit digits, buckets in XYZZ.
//
// Pipeline (docs/CUDA.md; the host drives it from backends/cuda/src/msm/):
//   1. msm_digits      one thread per scalar: Montgomery → canonical, signed digits per window;
//                      writes (key = window·B + |digit|−1, value = point index | sign<<31).
//   2. msm_count       bucket sizes (atomics); the host scans them (msm_scan_*) into offsets.
//   3. msm_scatter     counting sort: point references grouped by bucket.
//   4. msm_segments    every bucket is cut into segments of at most S entries, so one huge
//                      bucket (zkeys have many equal small scalars) is spread over many threads.
//   5. msm_accumulate_bases / msm_accumulate_xyzz
//                      one thread per segment sums it; repeated over the partial sums until
//                      every bucket has at most one.
//   6. msm_gather_buckets, msm_bucket_chunks, msm_sum_halves
//                      Σ k·bucket_k per window: running sums over chunks of L buckets, then a
//                      tree over the chunks. The host adds the windows (2^(c·w) weights).
#include "curve.cuh"

#define ZK_MSM_SKIP 0xffffffffu
#define ZK_MSM_SIGN 0x80000000u
#define ZK_SCAN_TILE 256

ZK_HD u32 zk_window_bits(const u32 s[8], u32 pos, u32 c) {
    // c ≤ 24 bits starting at bit `pos` of a 256-bit integer; bits past 255 read as zero.
    u32 limb = pos >> 5;
    u32 shift = pos & 31;
    if (limb >= 8) return 0;
    u64 lo = s[limb];
    u64 hi = limb + 1 < 8 ? s[limb + 1] : 0;
    u64 both = lo | (hi << 32);
    return (u32)(both >> shift) & ((1u << c) - 1);
}

// Scalars (Fr, Montgomery) → signed digits. Window w of scalar i is written at w·n + i.
// Windows are grouped into `copies` runs of `windows_per_copy`: window w uses base copy
// w / windows_per_copy (copies hold 2^(c·windows_per_copy·j)·P) and bucket window
// w % windows_per_copy. A zero digit is written as ZK_MSM_SKIP.
ZK_KERNEL void msm_digits(const u32* scalars, u32 n, u32 c, u32 windows_per_copy, u32 copies, u32 point_base,
                          u32 copy_stride, u32* keys, u32* values) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    Fr s = fp_from_mont(fp_load<FrParams>(scalars + 8 * (u64)i));
    u32 buckets = 1u << (c - 1);
    u32 carry = 0;
    u32 windows = windows_per_copy * copies;
    for (u32 w = 0; w < windows; w++) {
        u32 digit = zk_window_bits(s.limb, w * c, c) + carry;
        u32 negative = 0;
        if (digit > buckets) {
            digit = (1u << c) - digit;  // digit − 2^c, as a magnitude
            negative = 1;
            carry = 1;
        } else {
            carry = 0;
        }
        u64 at = (u64)w * n + i;
        if (digit == 0) {
            keys[at] = ZK_MSM_SKIP;
            values[at] = 0;
        } else {
            u32 copy = w / windows_per_copy;
            u32 window = w % windows_per_copy;
            keys[at] = window * buckets + (digit - 1);
            values[at] = (copy * copy_stride + point_base + i) | (negative ? ZK_MSM_SIGN : 0u);
        }
    }
}
ZK_REGISTER_KERNEL(msm_digits)

ZK_KERNEL void msm_fill(u32* data, u32 n, u32 value) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] = value;
}
ZK_REGISTER_KERNEL(msm_fill)

ZK_KERNEL void msm_copy(u32* dst, const u32* src, u32 n) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) dst[i] = src[i];
}
ZK_REGISTER_KERNEL(msm_copy)

ZK_KERNEL void msm_count(const u32* keys, u32 total, u32* counts) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    u32 key = keys[i];
    if (key != ZK_MSM_SKIP) atomicAdd(&counts[key], 1u);
}
ZK_REGISTER_KERNEL(msm_count)

ZK_KERNEL void msm_scatter(const u32* keys, const u32* values, u32 total, const u32* offsets, u32* cursors,
                           u32* sorted) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    u32 key = keys[i];
    if (key == ZK_MSM_SKIP) return;
    u32 slot = offsets[key] + atomicAdd(&cursors[key], 1u);
    sorted[slot] = values[i];
}
ZK_REGISTER_KERNEL(msm_scatter)

// Exclusive prefix sum of one tile of ZK_SCAN_TILE elements per block (launch with exactly
// ZK_SCAN_TILE threads); each tile's total goes to tile_sums. The host scans tile_sums the
// same way and adds them back with msm_scan_add.
ZK_KERNEL void msm_scan_tile(u32* data, u32 n, u32* tile_sums) {
    ZK_SHARED u32 buffer[2][ZK_SCAN_TILE];
    u32 t = threadIdx.x;
    u32 i = blockIdx.x * ZK_SCAN_TILE + t;
    u32 own = i < n ? data[i] : 0u;
    buffer[0][t] = own;
    ZK_SYNC();
    u32 src = 0;
    for (u32 offset = 1; offset < ZK_SCAN_TILE; offset <<= 1) {
        u32 x = buffer[src][t];
        if (t >= offset) x += buffer[src][t - offset];
        buffer[1 - src][t] = x;
        src = 1 - src;
        ZK_SYNC();
    }
    u32 inclusive = buffer[src][t];
    if (i < n) data[i] = inclusive - own;
    if (t == ZK_SCAN_TILE - 1) tile_sums[blockIdx.x] = inclusive;
}
ZK_REGISTER_KERNEL(msm_scan_tile)

ZK_KERNEL void msm_scan_add(u32* data, u32 n, const u32* tile_offsets) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] += tile_offsets[i / ZK_SCAN_TILE];
}
ZK_REGISTER_KERNEL(msm_scan_add)

// segments[b] = ⌈counts[b] / S⌉ for b < buckets, segments[buckets] = 0 (so an exclusive scan of
// buckets + 1 entries ends in the total); the largest goes to *max_segments.
ZK_KERNEL void msm_segments(const u32* counts, u32 buckets, u32 segment, u32* segments, u32* max_segments) {
    u32 b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b > buckets) return;
    u32 s = b < buckets ? (counts[b] + segment - 1) / segment : 0u;
    segments[b] = s;
    if (s > 1) atomicMax(max_segments, s);
}
ZK_REGISTER_KERNEL(msm_segments)

// The bucket owning segment g: the last b with seg_start[b] ≤ g (empty buckets share their
// successor's start, and the last such index is the non-empty one).
ZK_HD u32 zk_segment_owner(const u32* seg_start, u32 buckets, u32 g) {
    u32 lo = 0, hi = buckets;  // answer in [lo, hi)
    while (hi - lo > 1) {
        u32 mid = lo + (hi - lo) / 2;
        if (seg_start[mid] <= g) lo = mid;
        else hi = mid;
    }
    return lo;
}

// The entries [first, end) of segment g: its bucket's inputs from offsets[b] + k·S, at most S.
ZK_HD void zk_segment_range(const u32* offsets, const u32* counts, const u32* seg_start, u32 buckets, u32 segment,
                            u32 g, u32* first, u32* end) {
    u32 b = zk_segment_owner(seg_start, buckets, g);
    *first = offsets[b] + (g - seg_start[b]) * segment;
    *end = offsets[b] + counts[b];
    if (*first + segment < *end) *end = *first + segment;
}

// Level 0: each thread sums one segment of signed references to affine bases.
ZK_KERNEL void msm_accumulate_bases(const u32* bases, const u32* sorted, const u32* offsets, const u32* counts,
                                    const u32* seg_start, u32 buckets, u32 segment, u32 total_segments,
                                    u32* partials) {
    u32 g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= total_segments) return;
    u32 first, end;
    zk_segment_range(offsets, counts, seg_start, buckets, segment, g, &first, &end);
    G1Xyzz acc = g1_xyzz_identity();
    for (u32 e = first; e < end; e++) {
        u32 v = sorted[e];
        G1Affine p = g1_affine_load(bases + 16 * (u64)(v & ~ZK_MSM_SIGN));
        if (v & ZK_MSM_SIGN) p = g1_affine_neg(p);
        acc = g1_xyzz_add_affine(acc, p);
    }
    g1_xyzz_store(partials + 32 * (u64)g, acc);
}
ZK_REGISTER_KERNEL(msm_accumulate_bases)

// Levels ≥ 1: the same over XYZZ partial sums (bucket b's inputs are offsets[b] .. + counts[b]).
ZK_KERNEL void msm_accumulate_xyzz(const u32* inputs, const u32* offsets, const u32* counts, const u32* seg_start,
                                   u32 buckets, u32 segment, u32 total_segments, u32* partials) {
    u32 g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= total_segments) return;
    u32 first, end;
    zk_segment_range(offsets, counts, seg_start, buckets, segment, g, &first, &end);
    G1Xyzz acc = g1_xyzz_identity();
    for (u32 e = first; e < end; e++) acc = g1_xyzz_add(acc, g1_xyzz_load(inputs + 32 * (u64)e));
    g1_xyzz_store(partials + 32 * (u64)g, acc);
}
ZK_REGISTER_KERNEL(msm_accumulate_xyzz)

// After the last level every bucket has zero or one partial sum: lay them out by bucket.
ZK_KERNEL void msm_gather_buckets(const u32* partials, const u32* counts, const u32* seg_start, u32 buckets,
                                  u32* out) {
    u32 b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= buckets) return;
    G1Xyzz p = counts[b] == 0 ? g1_xyzz_identity() : g1_xyzz_load(partials + 32 * (u64)seg_start[b]);
    g1_xyzz_store(out + 32 * (u64)b, p);
}
ZK_REGISTER_KERNEL(msm_gather_buckets)

// k·P by double-and-add (k small: at most the bucket count).
ZK_HD G1Xyzz zk_g1_mul_small(const G1Xyzz& p, u32 k) {
    G1Xyzz r = g1_xyzz_identity();
    for (int bit = 31; bit >= 0; bit--) {
        if (!g1_xyzz_is_identity(r)) r = g1_xyzz_double(r);
        if ((k >> bit) & 1u) r = g1_xyzz_add(r, p);
    }
    return r;
}

// Window sums, part 1. Thread (w, j) covers buckets j·L .. j·L+L−1 of window w (digits
// j·L+1 .. j·L+L) and writes Σ digit·bucket over them to out[w·chunks + j].
ZK_KERNEL void msm_bucket_chunks(const u32* buckets, u32 windows, u32 buckets_per_window, u32 chunk, u32* out) {
    u32 chunks = buckets_per_window / chunk;
    u32 t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= windows * chunks) return;
    u32 w = t / chunks;
    u32 j = t % chunks;
    const u32* base = buckets + 32 * ((u64)w * buckets_per_window + (u64)j * chunk);
    G1Xyzz running = g1_xyzz_identity();
    G1Xyzz acc = g1_xyzz_identity();
    for (int k = (int)chunk - 1; k >= 0; k--) {
        running = g1_xyzz_add(running, g1_xyzz_load(base + 32 * k));
        acc = g1_xyzz_add(acc, running);
    }
    // acc = Σ (k+1)·bucket_k; the chunk's digits are offset by j·L.
    acc = g1_xyzz_add(acc, zk_g1_mul_small(running, j * chunk));
    g1_xyzz_store(out + 32 * (u64)t, acc);
}
ZK_REGISTER_KERNEL(msm_bucket_chunks)

// Window sums, part 2: in each of `groups` groups (stride apart), point i += point i + half.
ZK_KERNEL void msm_sum_halves(u32* points, u32 groups, u32 stride, u32 half) {
    u32 t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= groups * half) return;
    u32 g = t / half;
    u32 i = t % half;
    u32* a = points + 32 * ((u64)g * stride + i);
    const u32* b = points + 32 * ((u64)g * stride + i + half);
    g1_xyzz_store(a, g1_xyzz_add(g1_xyzz_load(a), g1_xyzz_load(b)));
}
ZK_REGISTER_KERNEL(msm_sum_halves)

// Precomputation for resident bases: out[i] = 2^shift · in[i], affine (identity stays (0, 0)).
ZK_KERNEL void msm_shift_bases(const u32* in, u32 n, u32 shift, u32* out) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    G1Affine a = g1_affine_load(in + 16 * (u64)i);
    if (g1_affine_is_identity(a)) {
        g1_affine_store(out + 16 * (u64)i, a);
        return;
    }
    G1Xyzz p = g1_xyzz_from_affine(a);
    for (u32 k = 0; k < shift; k++) p = g1_xyzz_double(p);
    G1Affine r;
    r.x = fp_mul(p.x, fp_inv(p.zz));
    r.y = fp_mul(p.y, fp_inv(p.zzz));
    g1_affine_store(out + 16 * (u64)i, r);
}
ZK_REGISTER_KERNEL(msm_shift_bases)
