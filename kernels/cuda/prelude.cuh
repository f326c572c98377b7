// Portability layer: the same kernel source compiles with NVRTC for the GPU and with the host
// C++ compiler for the emulator (docs/CUDA.md). Kernels use only what is defined here.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)

typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;

// Callable from host and device code; inlined.
#define ZK_HD __host__ __device__ __forceinline__
// Device-only helper; inlined.
#define ZK_DEV __device__ __forceinline__
// Device-only helper kept out of line (a call), to bound code size where it is used many times.
#define ZK_DEV_NOINLINE __device__ __noinline__
// A kernel: unmangled so the host finds it by name.
#define ZK_KERNEL extern "C" __global__
// Statically sized shared memory inside a kernel.
#define ZK_SHARED __shared__
// Dynamically sized shared memory (size given at launch).
#define ZK_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
// Constant memory at file scope.
#define ZK_CONSTANT __constant__
// Block-wide barrier: every thread of the block must reach it.
#define ZK_SYNC() __syncthreads()
// Registration hooks for the emulator; nothing on the GPU.
#define ZK_REGISTER_KERNEL(name)
#define ZK_REGISTER_CONSTANT(name)

#else

#include "emulator/host_prelude.hpp"

#endif
