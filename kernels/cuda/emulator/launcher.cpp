// The host emulator's launcher (docs/CUDA.md, "The emulator"): runs a registered kernel over a
// grid, blocks one after another. A launch creates `blockDim.x` OS threads once and reuses them
// for every block; the threads of a block share its ZK_SHARED statics and dynamic shared buffer
// and meet at ZK_SYNC().
//
// Scheduling: a block's CUDA threads are started a few at a time (as many as the host has cores)
// and each runs to its end on the OS thread that started it. A CUDA thread that waits at
// ZK_SYNC() keeps its OS thread and frees its slot, so another OS thread starts the next CUDA
// thread; the barrier opens once every CUDA thread of the block that has not returned is waiting
// at it. So kernels without barriers cost no context switch per CUDA thread, and kernels with
// barriers still see every thread of the block at the barrier together. There are always enough
// OS threads: one per CUDA thread of a block.
//
// The exported C API is what backends/cuda/src/emulated.rs calls. No C++ exception crosses it.

#include "../prelude.cuh"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

thread_local constinit zk_dim3 threadIdx = {0, 0, 0};
thread_local constinit zk_dim3 blockIdx = {0, 0, 0};
thread_local constinit zk_dim3 blockDim = {0, 0, 0};
thread_local constinit zk_dim3 gridDim = {0, 0, 0};

namespace {

// Largest dynamic shared memory a block may ask for (an H100's opt-in maximum, 227 KiB).
constexpr u32 MAX_SHARED_BYTES = 227u * 1024u;
constexpr size_t SHARED_ALIGN = 128;

// What the threads of a running launch share. Only one launch runs at a time (g_launch_mutex).
struct Launch {
    u32 block = 0;
    zk_dim3 grid = {1, 1, 1};
    u64 total_blocks = 0;
    unsigned char* shared = nullptr;
    u32 shared_bytes = 0;

    // Starting and finishing CUDA threads; the fields up to `error` are guarded by `mutex`.
    std::mutex mutex;
    std::condition_variable work_cv;  // idle OS threads: a CUDA thread to start, or the end
    u64 block_index = 0;              // linear index of the running block
    zk_dim3 block_coords = {0, 0, 0};
    u32 next_thread = 0;              // first CUDA thread of the block not yet started
    u32 runners = 0;                  // CUDA threads started and not finished
    u32 max_runners = 1;              // how many may run at once (all of them once a barrier is seen)
    bool saw_sync = false;            // some CUDA thread of this launch reached ZK_SYNC()
    bool done = false;                // every block finished, or the launch is abandoned
    std::string error;

    // The block barrier, lock-free. `finished` is written under `mutex`.
    std::atomic<u32> finished{0};  // CUDA threads of the block that returned
    std::atomic<u32> pending{0};   // CUDA threads of the block neither returned nor waiting at the barrier
    std::atomic<u64> phase{0};     // barrier generation; waiters sleep on it

    // Opens the barrier. Called by the thread whose arrival (or return) made `pending` zero
    // while others wait: every other live thread is waiting then, so nothing else moves.
    void release_barrier() {
        pending.store(block - finished.load());
        phase.fetch_add(1);
        phase.notify_all();
    }

    // Called with `mutex` held when the last CUDA thread of a block returned.
    void next_block() {
        block_index++;
        next_thread = 0;
        finished.store(0);
        pending.store(block);
        if (block_index == total_blocks) {
            done = true;
            work_cv.notify_all();
            return;
        }
        u64 xy = (u64)grid.x * grid.y;
        block_coords = {(u32)(block_index % grid.x), (u32)((block_index % xy) / grid.x), (u32)(block_index / xy)};
        if (shared != nullptr) std::memset(shared, 0xA5, shared_bytes);
        // The thread calling this takes a slot itself; wake enough idle ones for the rest.
        if (max_runners == block) {
            work_cv.notify_all();
        } else {
            for (u32 i = 1; i < max_runners; i++) work_cv.notify_one();
        }
    }
};

Launch* g_launch = nullptr;
std::mutex g_launch_mutex;

void write_error(char* err, u64 err_len, const std::string& msg) {
    if (err == nullptr || err_len == 0) return;
    size_t n = msg.size() < err_len - 1 ? msg.size() : static_cast<size_t>(err_len - 1);
    std::memcpy(err, msg.data(), n);
    err[n] = '\0';
}

const char* kind_name(unsigned char k) {
    switch (k) {
        case zk_emu::ARG_PTR: return "pointer";
        case zk_emu::ARG_U32: return "u32";
        case zk_emu::ARG_U64: return "u64";
        default: return "unknown";
    }
}

// Error codes of zk_emu_launch (mirrored in emulated.rs).
enum : int {
    LAUNCH_OK = 0,
    LAUNCH_UNKNOWN_KERNEL = 1,
    LAUNCH_BAD_SHAPE = 2,
    LAUNCH_BAD_ARGS = 3,
    LAUNCH_WRONG_PROGRAM = 4,
    LAUNCH_KERNEL_FAILED = 5,
    LAUNCH_INTERNAL = 6,
};

int run_launch(const char* program, const char* kernel, u32 gx, u32 gy, u32 gz, u32 block, u32 shared_bytes,
               const u64* args, const unsigned char* kinds, u32 nargs, char* err, u64 err_len) {
    if (kernel == nullptr) {
        write_error(err, err_len, "kernel name is null");
        return LAUNCH_UNKNOWN_KERNEL;
    }
    auto& registry = zk_emu::kernels();
    auto it = registry.find(kernel);
    if (it == registry.end()) {
        write_error(err, err_len, std::string("kernel `") + kernel + "` is not registered with the emulator "
                                  "(missing ZK_REGISTER_KERNEL, or its .cu file is not compiled in)");
        return LAUNCH_UNKNOWN_KERNEL;
    }
    const zk_emu::KernelEntry& entry = it->second;
    if (program != nullptr && entry.program != program) {
        write_error(err, err_len, std::string("kernel `") + kernel + "` belongs to program `" + entry.program +
                                      "`, not `" + program + "`");
        return LAUNCH_WRONG_PROGRAM;
    }
    if (block == 0 || block > 1024 || gx == 0 || gy == 0 || gz == 0 || gx > 0x7fffffffu || gy > 65535 ||
        gz > 65535 || shared_bytes > MAX_SHARED_BYTES) {
        write_error(err, err_len,
                    "invalid launch shape for `" + std::string(kernel) + "`: grid (" + std::to_string(gx) + ", " +
                        std::to_string(gy) + ", " + std::to_string(gz) + "), block " + std::to_string(block) +
                        ", shared " + std::to_string(shared_bytes) +
                        " bytes (block must be 1..=1024, grid x 1..2^31, y and z 1..=65535, shared <= " +
                        std::to_string(MAX_SHARED_BYTES) + ")");
        return LAUNCH_BAD_SHAPE;
    }
    if (nargs != entry.kinds.size()) {
        write_error(err, err_len, "kernel `" + std::string(kernel) + "` takes " + std::to_string(entry.kinds.size()) +
                                      " arguments, launch passed " + std::to_string(nargs));
        return LAUNCH_BAD_ARGS;
    }
    for (u32 i = 0; i < nargs; i++) {
        if (kinds == nullptr || kinds[i] != entry.kinds[i]) {
            write_error(err, err_len, "kernel `" + std::string(kernel) + "` argument " + std::to_string(i) +
                                          " is a " + kind_name(entry.kinds[i]) + ", launch passed a " +
                                          (kinds == nullptr ? "nothing" : kind_name(kinds[i])));
            return LAUNCH_BAD_ARGS;
        }
    }

    Launch launch;
    launch.block = block;
    launch.grid = {gx, gy, gz};
    launch.total_blocks = (u64)gx * gy * gz;
    launch.pending.store(block);
    u32 cores = std::thread::hardware_concurrency();
    launch.max_runners = cores == 0 ? 1 : (cores < block ? cores : block);
    launch.shared_bytes = shared_bytes;
    struct SharedFree {
        unsigned char* p;
        ~SharedFree() {
            if (p != nullptr) ::operator delete[](p, std::align_val_t(SHARED_ALIGN));
        }
    } shared_guard{nullptr};
    if (shared_bytes > 0) {
        launch.shared = static_cast<unsigned char*>(::operator new[](shared_bytes, std::align_val_t(SHARED_ALIGN)));
        shared_guard.p = launch.shared;
        std::memset(launch.shared, 0xA5, shared_bytes);
    }

    // Nothing starts until every OS thread exists (`started`), or if one could not be created.
    bool started = false;
    std::vector<u64> arg_values(args, args + nargs);
    const zk_dim3 grid = launch.grid;
    const zk_dim3 dim = {block, 1, 1};

    auto worker = [&]() {
        blockDim = dim;
        gridDim = grid;
        std::unique_lock<std::mutex> lock(launch.mutex);
        for (;;) {
            launch.work_cv.wait(lock, [&] {
                return launch.done ||
                       (started && launch.next_thread < block && launch.runners < launch.max_runners);
            });
            if (launch.done) return;
            u32 tid = launch.next_thread++;
            launch.runners++;
            blockIdx = launch.block_coords;
            threadIdx = {tid, 0, 0};
            lock.unlock();
            try {
                entry.call(entry.fn, arg_values.data());
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> guard(launch.mutex);
                if (launch.error.empty()) launch.error = e.what();
            } catch (...) {
                std::lock_guard<std::mutex> guard(launch.mutex);
                if (launch.error.empty()) launch.error = "unknown C++ exception";
            }
            lock.lock();
            launch.runners--;
            u32 finished = launch.finished.fetch_add(1) + 1;
            u32 pending_before = launch.pending.fetch_sub(1);
            if (finished == block) launch.next_block();
            else if (pending_before == 1) launch.release_barrier();  // the rest wait at ZK_SYNC()
        }
    };

    std::vector<std::thread> threads;
    threads.reserve(block);
    std::string spawn_error;
    try {
        for (u32 t = 0; t < block; t++) threads.emplace_back(worker);
    } catch (const std::exception& e) {
        spawn_error = e.what();
    }
    {
        std::lock_guard<std::mutex> lock(launch.mutex);
        g_launch = &launch;
        if (spawn_error.empty()) started = true;
        else launch.done = true;
        launch.work_cv.notify_all();
    }
    for (auto& t : threads) t.join();
    g_launch = nullptr;

    if (!spawn_error.empty()) {
        write_error(err, err_len, "could not start " + std::to_string(block) + " threads for `" +
                                      std::string(kernel) + "`: " + spawn_error);
        return LAUNCH_INTERNAL;
    }
    if (!launch.error.empty()) {
        write_error(err, err_len, "kernel `" + std::string(kernel) + "` threw: " + launch.error);
        return LAUNCH_KERNEL_FAILED;
    }
    return LAUNCH_OK;
}

}  // namespace

void* zk_emu_dynamic_shared() { return g_launch != nullptr ? g_launch->shared : nullptr; }

void zk_emu_sync() {
    Launch* launch = g_launch;
    if (launch == nullptr) return;
    {
        std::lock_guard<std::mutex> lock(launch->mutex);
        if (!launch->saw_sync) {
            // The kernel uses barriers: every CUDA thread of a block will need its own OS thread,
            // so from now on start them all at once rather than a few at a time.
            launch->saw_sync = true;
            launch->max_runners = launch->block;
            launch->work_cv.notify_all();
        }
    }
    // The phase cannot move before this thread arrives, so reading it first is safe.
    u64 phase = launch->phase.load();
    if (launch->pending.fetch_sub(1) == 1) {
        launch->release_barrier();
        return;
    }
    while (launch->phase.load() == phase) launch->phase.wait(phase);
}

extern "C" {

// Runs `kernel` over a gx × gy × gz grid of `block`-thread blocks with `shared_bytes` of dynamic
// shared memory. `args[i]` is the i-th argument's value (an address, or an integer zero-extended
// to 64 bits) and `kinds[i]` its kind (0 pointer, 1 u32, 2 u64), checked against the kernel's
// parameter list. `program` (may be null) must be the program the kernel was compiled in.
// Returns 0 on success, otherwise an error code with a message in `err` (NUL-terminated).
int zk_emu_launch(const char* program, const char* kernel, u32 gx, u32 gy, u32 gz, u32 block, u32 shared_bytes,
                  const u64* args, const unsigned char* kinds, u32 nargs, char* err, u64 err_len) {
    try {
        std::lock_guard<std::mutex> lock(g_launch_mutex);
        return run_launch(program, kernel, gx, gy, gz, block, shared_bytes, args, kinds, nargs, err, err_len);
    } catch (const std::exception& e) {
        write_error(err, err_len, std::string("emulator failure: ") + e.what());
        return LAUNCH_INTERNAL;
    } catch (...) {
        write_error(err, err_len, "emulator failure");
        return LAUNCH_INTERNAL;
    }
}

// Looks up the ZK_CONSTANT `symbol` of `program`: its host address, size and start-up contents
// (`bytes` long, valid for the life of the process). 0 if found, 1 if not, 2 if it is `const`
// (read-only: it cannot be written).
int zk_emu_constant(const char* program, const char* symbol, void** ptr, u64* bytes, const void** initial) {
    try {
        if (program == nullptr || symbol == nullptr) return 1;
        auto& registry = zk_emu::constants();
        auto it = registry.find(std::string(program) + ":" + symbol);
        if (it == registry.end()) return 1;
        if (ptr != nullptr) *ptr = it->second.ptr;
        if (bytes != nullptr) *bytes = it->second.bytes;
        if (initial != nullptr) *initial = it->second.initial.data();
        return it->second.writable ? 0 : 2;
    } catch (...) {
        return 1;
    }
}

// Restores every ZK_CONSTANT of `program` to its start-up contents. The caller makes sure no
// launch runs meanwhile. 0 on success.
int zk_emu_constants_reset(const char* program) {
    try {
        if (program == nullptr) return 1;
        for (auto& [key, entry] : zk_emu::constants()) {
            (void)key;
            if (entry.program == program && entry.writable) std::memcpy(entry.ptr, entry.initial.data(), entry.bytes);
        }
        return 0;
    } catch (...) {
        return 1;
    }
}

// The program a registered kernel belongs to, or null if `kernel` is not registered.
const char* zk_emu_kernel_program(const char* kernel) {
    try {
        if (kernel == nullptr) return nullptr;
        auto& registry = zk_emu::kernels();
        auto it = registry.find(kernel);
        return it == registry.end() ? nullptr : it->second.program.c_str();
    } catch (...) {
        return nullptr;
    }
}

// Number of registered kernels.
u32 zk_emu_kernel_count() { return static_cast<u32>(zk_emu::kernels().size()); }

// The i-th registered kernel (in name order): its name, program and parameter count. The
// strings live as long as the process. 0 if i is in range, 1 otherwise.
int zk_emu_kernel_info(u32 i, const char** name, const char** program, u32* nargs) {
    auto& registry = zk_emu::kernels();
    if (i >= registry.size()) return 1;
    auto it = registry.begin();
    std::advance(it, i);
    if (name != nullptr) *name = it->first.c_str();
    if (program != nullptr) *program = it->second.program.c_str();
    if (nargs != nullptr) *nargs = static_cast<u32>(it->second.kinds.size());
    return 0;
}

// Number of registered constants.
u32 zk_emu_constant_count() { return static_cast<u32>(zk_emu::constants().size()); }

// Names registered more than once (should be zero; a duplicate kernel would make a launch
// ambiguous).
u32 zk_emu_duplicate_count() { return static_cast<u32>(zk_emu::duplicates().size()); }

// The i-th duplicate's description, or null.
const char* zk_emu_duplicate(u32 i) {
    auto& d = zk_emu::duplicates();
    return i < d.size() ? d[i].c_str() : nullptr;
}

}  // extern "C"
