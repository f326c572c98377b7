// Host-only kernels that exercise the emulator's machinery (backends/cuda/tests/emulator_launch.rs):
// barriers with a shared-memory reduction, dynamic shared memory, atomics across blocks,
// multi-dimensional grids, constants and argument passing. Never compiled for the GPU.
#include "prelude.cuh"

ZK_CONSTANT u32 emutest_table[8];
ZK_REGISTER_CONSTANT(emutest_table)

// out[blockIdx.x] = sum of in[blockIdx.x * blockDim.x + t] over the block, by a tree reduction
// in static shared memory with a barrier per level (blockDim.x a power of two, at most 1024).
ZK_KERNEL void emutest_block_sum(const u32* in, u32* out) {
    ZK_SHARED u32 partial[1024];
    u32 t = threadIdx.x;
    partial[t] = in[blockIdx.x * blockDim.x + t];
    ZK_SYNC();
    for (u32 stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) partial[t] += partial[t + stride];
        ZK_SYNC();
    }
    if (t == 0) out[blockIdx.x] = partial[0];
}
ZK_REGISTER_KERNEL(emutest_block_sum)

// Reverses each block's slice of `data` through dynamic shared memory of blockDim.x u64 values.
ZK_KERNEL void emutest_reverse_dynamic(u64* data) {
    ZK_DYNAMIC_SHARED(u64, buf);
    u32 t = threadIdx.x;
    u64 base = (u64)blockIdx.x * blockDim.x;
    buf[t] = data[base + t];
    ZK_SYNC();
    data[base + t] = buf[blockDim.x - 1 - t];
}
ZK_REGISTER_KERNEL(emutest_reverse_dynamic)

// Every thread of every block: counters[0] += 1 (atomicAdd), counters[1] = max of global ids,
// counters[2] = min of global ids, a 64-bit sum of global ids, and a CAS-claimed slot.
ZK_KERNEL void emutest_atomics(u32* counters, u64* sum64, u32* claimed) {
    u32 gid = blockIdx.x * blockDim.x + threadIdx.x;
    atomicAdd(&counters[0], 1u);
    atomicMax(&counters[1], gid);
    atomicMin(&counters[2], gid);
    atomicSub(&counters[3], 2u);
    atomicAdd(sum64, (u64)gid);
    // The first thread to see claimed == 0xffffffff wins.
    atomicCAS(claimed, 0xffffffffu, gid);
    u32 old = atomicExch(&counters[4], gid);
    (void)old;
}
ZK_REGISTER_KERNEL(emutest_atomics)

// out[((z * gy + y) * gx + x) * bx + t] = packed coordinates, for every thread of a 3-D grid.
ZK_KERNEL void emutest_coords(u32* out) {
    u64 block = ((u64)blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    u64 i = block * blockDim.x + threadIdx.x;
    out[i] = (blockIdx.z << 24) | (blockIdx.y << 16) | (blockIdx.x << 8) | threadIdx.x;
    if (i == 0) {
        out[block * blockDim.x + blockDim.x * gridDim.x * gridDim.y * gridDim.z] =
            gridDim.x | (gridDim.y << 8) | (gridDim.z << 16) | (blockDim.x << 24);
    }
}
ZK_REGISTER_KERNEL(emutest_coords)

// out[t] = a (u32) + b (u64) + in[t] + emutest_table[t % 8], one block; also out[n] = b >> 32.
ZK_KERNEL void emutest_args(const u64* in, u64* out, u32 a, u64 b, u32 n) {
    u32 t = threadIdx.x;
    if (t < n) out[t] = (u64)a + b + in[t] + emutest_table[t % 8];
    if (t == 0) out[n] = b >> 32;
}
ZK_REGISTER_KERNEL(emutest_args)

// Threads with an odd index return before the barrier; the rest must still get through it
// (an exited GPU thread does not hold up __syncthreads).
ZK_KERNEL void emutest_early_exit(u32* out) {
    ZK_SHARED u32 count;
    u32 t = threadIdx.x;
    if (t == 0) count = 0;
    ZK_SYNC();
    if (t & 1) return;
    atomicAdd(&count, 1u);
    ZK_SYNC();
    if (t == 0) out[blockIdx.x] = count;
}
ZK_REGISTER_KERNEL(emutest_early_exit)

// out[blockIdx.x] = sum of the block's slice of `in`: even blocks with atomics and no barrier,
// odd blocks with a barrier reduction (so the barrier use changes from block to block; `out`
// starts zeroed).
ZK_KERNEL void emutest_mixed_sum(const u32* in, u32* out) {
    ZK_SHARED u32 partial[1024];
    u32 t = threadIdx.x;
    u32 v = in[blockIdx.x * blockDim.x + t];
    if ((blockIdx.x & 1) == 0) {
        atomicAdd(&out[blockIdx.x], v);
        return;
    }
    partial[t] = v;
    ZK_SYNC();
    for (u32 stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) partial[t] += partial[t + stride];
        ZK_SYNC();
    }
    if (t == 0) out[blockIdx.x] = partial[0];
}
ZK_REGISTER_KERNEL(emutest_mixed_sum)
