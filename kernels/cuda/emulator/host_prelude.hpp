// Host-emulator half of the portability layer (docs/CUDA.md, "The emulator"). prelude.cuh
// includes this file when the kernels are compiled by the host C++ compiler instead of NVRTC:
// the same kernel sources then run on CPU threads, one OS thread per CUDA thread, blocks one
// after another. launcher.cpp holds the machinery (registry, grid launch, barriers).
//
// Never define __CUDA_ARCH__ here: field.cuh keys its PTX paths on it, the host takes the
// portable ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;

static_assert(sizeof(u32) == 4 && sizeof(u64) == 8 && sizeof(void*) == 8, "the emulator needs a 64-bit host");

// Callable from host and device code; inlined.
#define ZK_HD inline
// Device-only helper; inlined.
#define ZK_DEV inline
#define ZK_DEV_NOINLINE inline
// A kernel: unmangled so the launcher (and the Rust side) find it by name.
#define ZK_KERNEL extern "C"
// Statically sized shared memory: one object shared by every thread of the running block
// (blocks run one at a time, so a function-local static is exactly that). Like on the GPU its
// contents are unspecified when a block starts (they are what the previous block left).
#define ZK_SHARED static
// Dynamically sized shared memory, inside a kernel body: the running block's buffer of the
// launch's `shared_bytes` (filled with a 0xA5 pattern at each block start, since the GPU does
// not zero it either).
#define ZK_DYNAMIC_SHARED(type, name) type* name = (type*)zk_emu_dynamic_shared()
// Constant memory at file scope. `static`: every .cu is its own program on the GPU, and under
// the emulator they are linked together, so a constant defined in a header (or the same name in
// two programs) must not collide. Each translation unit's copy is registered under its program.
#define ZK_CONSTANT static
// Block-wide barrier: every (not yet returned) thread of the block must reach it.
#define ZK_SYNC() zk_emu_sync()

// Stray CUDA qualifiers compile away.
#define __host__
#define __device__
#define __global__
#define __shared__ static
#define __constant__ static
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __syncthreads() zk_emu_sync()

// ---------------------------------------------------------------------------------------------
// Thread and block coordinates of the calling emulated thread (defined in launcher.cpp).

struct zk_dim3 {
    u32 x, y, z;
};

extern thread_local constinit zk_dim3 threadIdx;
extern thread_local constinit zk_dim3 blockIdx;
extern thread_local constinit zk_dim3 blockDim;
extern thread_local constinit zk_dim3 gridDim;

// The running block's dynamic shared memory buffer.
void* zk_emu_dynamic_shared();
// The block barrier behind ZK_SYNC().
void zk_emu_sync();

// ---------------------------------------------------------------------------------------------
// Atomics: sequentially consistent host atomics; each returns the old value, as on the GPU.

inline u32 atomicAdd(u32* a, u32 v) { return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST); }
inline i32 atomicAdd(i32* a, i32 v) { return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST); }
inline u64 atomicAdd(u64* a, u64 v) { return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST); }
inline u32 atomicSub(u32* a, u32 v) { return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST); }
inline i32 atomicSub(i32* a, i32 v) { return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST); }
inline u32 atomicExch(u32* a, u32 v) { return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST); }
inline i32 atomicExch(i32* a, i32 v) { return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST); }
inline u64 atomicExch(u64* a, u64 v) { return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST); }

template <class T>
inline T zk_emu_atomic_cas(T* a, T expected, T desired) {
    __atomic_compare_exchange_n(a, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;  // on failure the builtin stored the current value here; on success it is unchanged
}
inline u32 atomicCAS(u32* a, u32 compare, u32 val) { return zk_emu_atomic_cas(a, compare, val); }
inline i32 atomicCAS(i32* a, i32 compare, i32 val) { return zk_emu_atomic_cas(a, compare, val); }
inline u64 atomicCAS(u64* a, u64 compare, u64 val) { return zk_emu_atomic_cas(a, compare, val); }

template <class T, class F>
inline T zk_emu_atomic_update(T* a, F f) {
    T old = __atomic_load_n(a, __ATOMIC_SEQ_CST);
    while (!__atomic_compare_exchange_n(a, &old, f(old), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    return old;
}
inline u32 atomicMax(u32* a, u32 v) { return zk_emu_atomic_update(a, [v](u32 o) { return o > v ? o : v; }); }
inline i32 atomicMax(i32* a, i32 v) { return zk_emu_atomic_update(a, [v](i32 o) { return o > v ? o : v; }); }
inline u64 atomicMax(u64* a, u64 v) { return zk_emu_atomic_update(a, [v](u64 o) { return o > v ? o : v; }); }
inline u32 atomicMin(u32* a, u32 v) { return zk_emu_atomic_update(a, [v](u32 o) { return o < v ? o : v; }); }
inline i32 atomicMin(i32* a, i32 v) { return zk_emu_atomic_update(a, [v](i32 o) { return o < v ? o : v; }); }
inline u64 atomicMin(u64* a, u64 v) { return zk_emu_atomic_update(a, [v](u64 o) { return o < v ? o : v; }); }
inline u32 atomicOr(u32* a, u32 v) { return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST); }
inline u32 atomicAnd(u32* a, u32 v) { return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST); }
inline u32 atomicXor(u32* a, u32 v) { return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST); }

// Memory fences: the host atomics are already sequentially consistent; a full fence suffices.
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// ---------------------------------------------------------------------------------------------
// Integer intrinsics that kernels may reach for, with the CUDA semantics.

inline u32 __umulhi(u32 a, u32 b) { return (u32)(((u64)a * b) >> 32); }
inline u64 __umul64hi(u64 a, u64 b) { return (u64)(((unsigned __int128)a * b) >> 64); }
inline i32 __clz(u32 x) { return x == 0 ? 32 : __builtin_clz(x); }
inline i32 __clzll(u64 x) { return x == 0 ? 64 : __builtin_clzll(x); }
inline i32 __popc(u32 x) { return __builtin_popcount(x); }
inline i32 __popcll(u64 x) { return __builtin_popcountll(x); }
inline i32 __ffs(u32 x) { return __builtin_ffs((int)x); }
inline i32 __ffsll(u64 x) { return __builtin_ffsll((long long)x); }
inline u32 __brev(u32 x) {
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    return (x >> 16) | (x << 16);
}
inline u64 __brevll(u64 x) { return ((u64)__brev((u32)x) << 32) | __brev((u32)(x >> 32)); }
template <class T>
inline T __ldg(const T* p) {
    return *p;
}
inline u32 min(u32 a, u32 b) { return a < b ? a : b; }
inline u32 max(u32 a, u32 b) { return a > b ? a : b; }
inline i32 min(i32 a, i32 b) { return a < b ? a : b; }
inline i32 max(i32 a, i32 b) { return a > b ? a : b; }
inline u64 min(u64 a, u64 b) { return a < b ? a : b; }
inline u64 max(u64 a, u64 b) { return a > b ? a : b; }

// ---------------------------------------------------------------------------------------------
// Registration. ZK_REGISTER_KERNEL(name) after a kernel's definition registers it under "name"
// with a trampoline that unpacks the launch arguments; ZK_REGISTER_CONSTANT(name) registers a
// ZK_CONSTANT object. Both record the program (the stem of the .cu file being compiled, via
// __BASE_FILE__, so it is right even for a registration inside a header).

namespace zk_emu {

// Argument kinds, as the Rust side sends them (KernelArg::{Ptr, U32, U64}).
enum ArgKind : unsigned char { ARG_PTR = 0, ARG_U32 = 1, ARG_U64 = 2 };

// Calls the kernel with `args[i]` = the i-th argument's value (a pointer's address, or the
// integer zero-extended to 64 bits).
typedef void (*Trampoline)(void* fn, const u64* args);

struct KernelEntry {
    std::string program;
    void* fn;
    Trampoline call;
    std::vector<unsigned char> kinds;
};

struct ConstantEntry {
    std::string program;
    void* ptr;
    u64 bytes;
    bool writable;  // false for a `const` object (it lives in read-only memory)
    // The contents at start-up (its initialiser, or zeros): what a fresh device module holds.
    std::vector<unsigned char> initial;
};

// Function-local statics: safe to use from any translation unit's static initialisers.
inline std::map<std::string, KernelEntry>& kernels() {
    static std::map<std::string, KernelEntry> m;
    return m;
}
// Keyed by "program:symbol".
inline std::map<std::string, ConstantEntry>& constants() {
    static std::map<std::string, ConstantEntry> m;
    return m;
}
// Names registered twice (a bug in the sources); reported by the launcher.
inline std::vector<std::string>& duplicates() {
    static std::vector<std::string> v;
    return v;
}

inline std::string program_of(const char* path) {
    std::string p(path);
    size_t slash = p.find_last_of("/\\");
    if (slash != std::string::npos) p = p.substr(slash + 1);
    size_t dot = p.find('.');
    if (dot != std::string::npos) p = p.substr(0, dot);
    return p;
}

template <class A>
constexpr unsigned char kind_of() {
    if constexpr (std::is_pointer_v<A>) {
        return ARG_PTR;
    } else {
        static_assert(std::is_integral_v<A> && (sizeof(A) == 4 || sizeof(A) == 8),
                      "kernel parameters must be pointers, u32 or u64 (docs/CUDA.md, Kernel ABI)");
        return sizeof(A) == 4 ? ARG_U32 : ARG_U64;
    }
}

template <class A>
inline A unpack(u64 v) {
    if constexpr (std::is_pointer_v<A>) {
        return reinterpret_cast<A>(static_cast<uintptr_t>(v));
    } else {
        return static_cast<A>(v);
    }
}

template <class... A, size_t... I>
inline void call_with(void (*f)(A...), const u64* args, std::index_sequence<I...>) {
    f(unpack<A>(args[I])...);
}

template <class... A>
inline void trampoline(void* fn, const u64* args) {
    call_with(reinterpret_cast<void (*)(A...)>(fn), args, std::index_sequence_for<A...>{});
}

struct KernelRegistrar {
    template <class... A>
    KernelRegistrar(const char* name, const char* file, void (*fn)(A...)) {
        KernelEntry e{program_of(file), reinterpret_cast<void*>(fn), &trampoline<A...>, {kind_of<A>()...}};
        if (!kernels().emplace(name, std::move(e)).second) duplicates().push_back(std::string("kernel ") + name);
    }
};

struct ConstantRegistrar {
    template <class T>
    ConstantRegistrar(const char* name, const char* file, T* object) {
        std::string key = program_of(file) + ":" + name;
        const unsigned char* p = reinterpret_cast<const unsigned char*>(object);
        constexpr bool writable = !std::is_const_v<std::remove_all_extents_t<T>>;
        ConstantEntry e{program_of(file), const_cast<void*>(static_cast<const void*>(object)), sizeof(T), writable,
                        std::vector<unsigned char>(p, p + sizeof(T))};
        if (!constants().emplace(key, std::move(e)).second)
            duplicates().push_back("constant " + key);
    }
};

}  // namespace zk_emu

#define ZK_REGISTER_KERNEL(name) \
    static ::zk_emu::KernelRegistrar zk_emu_kernel_registrar_##name(#name, __BASE_FILE__, &name);
#define ZK_REGISTER_CONSTANT(name) \
    static ::zk_emu::ConstantRegistrar zk_emu_constant_registrar_##name(#name, __BASE_FILE__, &name);
