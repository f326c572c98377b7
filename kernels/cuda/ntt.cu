// Radix-2 decimation-in-time NTT over Fr, natural order in and out (docs/CUDA.md).
//
// A transform of n = 2^log_n elements runs as
//   1. ntt_bitrev: the bit-reversal permutation, fused with the coset shift of a forward
//      transform (a_j *= s^j before permuting);
//   2. one or more ntt_dit_pass launches, each doing a run of consecutive butterfly stages on
//      tiles in shared memory; the last pass also applies the inverse's n^-1 · s^-j.
// Every kernel works on a batch of transforms laid out back to back: indices are flat over the
// whole batch, and the position inside one transform is the low log_n bits.
//
// Twiddles: `tw` holds w^t for t in [0, n/2), w the transform's root (inverse root for the
// inverse). Stage s (half-span 2^s) needs w_{2^(s+1)}^j = w^(j << (log_n - s - 1)).
//
// Scaling modes (`scale_mode`): 0 none, 1 every element times scale[0], 2 element i of each
// transform times scale[i].
#include "field.cuh"

// The low `bits` bits of x reversed (bits in 1..=32).
ZK_DEV u32 ntt_reverse_bits(u32 x, u32 bits) {
    return __brev(x) >> (32u - bits);
}

// scale[i] (mode 2) or scale[0] (mode 1); only called with a non-zero mode.
ZK_DEV Fr ntt_scale_factor(const u32* scale, u32 mode, u64 i) {
    return fp_load<FrParams>(scale + (mode == 2u ? i : 0ull) * 8ull);
}

// In-place bit reversal of each transform of `total` elements (a batch of 2^log_n-element
// transforms, log_n >= 1), each element first multiplied by its scale factor (if any).
// Grid-stride over the elements; the thread of the smaller index of a pair swaps it.
ZK_KERNEL void ntt_bitrev(u32* data, u32 log_n, u64 total, const u32* scale, u32 scale_mode) {
    const u64 mask = (1ull << log_n) - 1ull;
    const u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 idx = (u64)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += stride) {
        const u64 i = idx & mask;
        const u64 r = ntt_reverse_bits((u32)i, log_n);
        if (i > r) continue;
        const u64 base = idx - i;
        u32* pi = data + (base + i) * 8ull;
        u32* pr = data + (base + r) * 8ull;
        Fr a = fp_load<FrParams>(pi);
        if (i == r) {
            if (scale_mode != 0u) fp_store(pi, fp_mul(a, ntt_scale_factor(scale, scale_mode, i)));
            continue;
        }
        Fr b = fp_load<FrParams>(pr);
        if (scale_mode != 0u) {
            a = fp_mul(a, ntt_scale_factor(scale, scale_mode, i));
            b = fp_mul(b, ntt_scale_factor(scale, scale_mode, r));
        }
        fp_store(pi, b);
        fp_store(pr, a);
    }
}
ZK_REGISTER_KERNEL(ntt_bitrev)

// Stages first_stage .. first_stage + stages - 1 of the DIT on bit-reversed data.
//
// Those stages only combine elements whose indices differ in bits first_stage .. first_stage +
// stages - 1, so they split into independent groups of 2^stages elements spaced 2^first_stage
// apart. A tile is 2^log_cols such groups with consecutive low indices (so loads and stores
// touch runs of 2^log_cols consecutive elements), 2^(stages + log_cols) elements in all, kept
// in dynamic shared memory (32 bytes each). Tile element e is column e & (cols - 1), row
// e >> log_cols; its global index is tile_base + column + (row << first_stage).
//
// `tiles` is the number of tiles over the whole batch; blocks stride over them. The block
// loops over the tile's butterflies, so any block size up to half the tile works. When
// scale_mode is non-zero each element is multiplied by its scale factor on the way out (used
// on the last pass only, where the output is in natural order).
ZK_KERNEL void ntt_dit_pass(u32* data, const u32* tw, u32 log_n, u32 first_stage, u32 stages, u32 log_cols,
                            u64 tiles, const u32* scale, u32 scale_mode) {
    ZK_DYNAMIC_SHARED(u32, sh);
    const u32 cols = 1u << log_cols;
    const u32 tile_len = 1u << (stages + log_cols);
    const u32 half = tile_len >> 1;
    const u64 mask = (1ull << log_n) - 1ull;
    // Tiles per run of 2^(first_stage + stages) elements: the column chunks.
    const u32 log_chunks = first_stage - log_cols;
    const u64 chunk_mask = (1ull << log_chunks) - 1ull;

    for (u64 t = blockIdx.x; t < tiles; t += gridDim.x) {
        const u64 tile_base = ((t >> log_chunks) << (first_stage + stages)) + ((t & chunk_mask) << log_cols);

        // Load: consecutive threads take consecutive limbs.
        for (u32 w = threadIdx.x; w < tile_len * 8u; w += blockDim.x) {
            const u32 e = w >> 3;
            const u64 g = tile_base + (e & (cols - 1u)) + ((u64)(e >> log_cols) << first_stage);
            sh[w] = data[g * 8ull + (w & 7u)];
        }
        ZK_SYNC();

        for (u32 q = 0; q < stages; q++) {
            const u32 s = first_stage + q;
            const u32 tw_shift = log_n - s - 1u;
            for (u32 p = threadIdx.x; p < half; p += blockDim.x) {
                const u32 col = p & (cols - 1u);
                const u32 k = p >> log_cols;  // butterfly within the column, 0 .. 2^(stages-1)
                const u32 row0 = ((k >> q) << (q + 1u)) | (k & ((1u << q) - 1u));
                const u32 row1 = row0 + (1u << q);
                const u32 e0 = (row0 << log_cols) | col;
                const u32 e1 = (row1 << log_cols) | col;
                const u64 g0 = (tile_base + col + ((u64)row0 << first_stage)) & mask;
                const u64 j = g0 & ((1ull << s) - 1ull);
                const Fr w = fp_load<FrParams>(tw + (j << tw_shift) * 8ull);
                const Fr a = fp_load<FrParams>(sh + e0 * 8u);
                const Fr b = fp_mul(fp_load<FrParams>(sh + e1 * 8u), w);
                fp_store(sh + e0 * 8u, fp_add(a, b));
                fp_store(sh + e1 * 8u, fp_sub(a, b));
            }
            ZK_SYNC();
        }

        if (scale_mode != 0u) {
            for (u32 e = threadIdx.x; e < tile_len; e += blockDim.x) {
                const u64 g = tile_base + (e & (cols - 1u)) + ((u64)(e >> log_cols) << first_stage);
                const Fr v = fp_mul(fp_load<FrParams>(sh + e * 8u), ntt_scale_factor(scale, scale_mode, g & mask));
                fp_store(sh + e * 8u, v);
            }
            ZK_SYNC();
        }

        for (u32 w = threadIdx.x; w < tile_len * 8u; w += blockDim.x) {
            const u32 e = w >> 3;
            const u64 g = tile_base + (e & (cols - 1u)) + ((u64)(e >> log_cols) << first_stage);
            data[g * 8ull + (w & 7u)] = sh[w];
        }
        // The next tile reuses the shared buffer.
        ZK_SYNC();
    }
}
ZK_REGISTER_KERNEL(ntt_dit_pass)
