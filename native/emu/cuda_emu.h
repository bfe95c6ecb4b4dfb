// A tiny CUDA emulator for checking the kernels' logic on a machine without a GPU.
//
// The real native/*.cu sources are compiled as C++ against this header (emu/run.sh): every
// thread of a block is a fiber, __syncthreads is a block-wide barrier, warp shuffles go
// through per-warp slots with a 32-thread barrier, __shared__ variables are statics (blocks
// run one after another) poisoned at every block's start, dynamic shared memory is a per-block
// buffer poisoned likewise. It checks indexing,
// guards, barriers and the algorithms; it says nothing about speed, and float64/float32
// arithmetic is the host's (compiled with -ffp-contract=off), not the GPU's.
#pragma once

#include <math.h>
#include <setjmp.h>
#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static

using std::max;
using std::min;

// Every CUDA thread of a block is a fiber (ucontext) on the calling OS thread; a barrier
// (__syncthreads, or a warp's when shuffling) parks the fiber and the scheduler runs the others
// round-robin until all have arrived. Cooperative fibers instead of OS threads make a launch
// cost microseconds per thread instead of a thread creation, and a barrier that not every
// thread reaches (undefined on a GPU) is reported as a deadlock instead of hanging.
struct EmuFiber {
    ucontext_t ctx;  // only to enter the fiber the first time
    jmp_buf jb;      // where it parked
    dim3 tid;
    bool started = false;
    bool done = false;
    int wait_bar = -1;  // barrier the fiber is parked at, or -1
    long wait_gen = 0;
};

struct EmuBar {
    int n = 0;
    int arrived = 0;
    long gen = 0;
};

struct EmuBlock {
    ucontext_t main;
    jmp_buf main_jb;
    std::vector<EmuFiber> fibers;
    std::vector<EmuBar> bars;  // 0: the block; 1 + w: warp w
    std::vector<uint64_t> slots;
    int cur = 0;
    void (*body)(void*) = nullptr;
    void* body_arg = nullptr;
};

inline thread_local EmuBlock* emu_block = nullptr;
inline thread_local void* emu_smem = nullptr;

// Static shared memory starts as garbage in every block on a GPU; here a `__shared__` variable
// is a C++ static (zero at first, then what the previous block left), so prepare.sh follows each
// `__shared__ T name[...];` of the sources with EMU_SHARED_POISON(name): the first thread of a
// block to reach the declaration fills it with 0xff bytes (NaN as float or double, -1 as int),
// and a read of what the block did not write shows. Launches run one at a time (the emulated
// driver holds a lock), so one block counter serves every thread.
inline unsigned long long emu_block_gen = 0;
#define EMU_SHARED_POISON(var)                                \
    do {                                                      \
        static unsigned long long emu_poisoned_in_ = 0;       \
        if (emu_poisoned_in_ != emu_block_gen) {              \
            emu_poisoned_in_ = emu_block_gen;                 \
            std::memset((void*)&(var), 0xff, sizeof(var));    \
        }                                                     \
    } while (0)

inline void emu_barrier(int id) {
    EmuBlock& b = *emu_block;
    EmuBar& bar = b.bars[id];
    const long gen = bar.gen;
    if (++bar.arrived == bar.n) {
        bar.arrived = 0;
        ++bar.gen;  // releases every fiber parked at this generation
        return;
    }
    EmuFiber& me = b.fibers[b.cur];
    me.wait_bar = id;
    me.wait_gen = gen;
    // _setjmp/_longjmp switch without the signal-mask system calls of swapcontext.
    if (_setjmp(me.jb) == 0) {
        _longjmp(b.main_jb, 1);
    }
}

inline void __syncthreads() { emu_barrier(0); }
inline void __threadfence_block() {}

template <typename T>
inline T __shfl_xor_sync(unsigned mask, T v, int o) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    const int tid = threadIdx.x + threadIdx.y * blockDim.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    // On a GPU a lane named in the mask that does not exist (a partial last warp) or does not
    // take part makes the result undefined (or hangs); the emulator's warp barrier would simply
    // count the lanes that exist, so such a shuffle is refused here.
    const int lanes = emu_block->bars[1 + warp].n;
    const unsigned present = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
    if ((mask & ~present) != 0 || !((mask >> lane) & 1u) || !((mask >> (lane ^ o)) & 1u)) {
        std::fprintf(stderr, "cuda_emu: __shfl_xor_sync(mask %08x, lane ^ %d) in lane %d of warp %d, which has %d "
                     "lanes: the mask names lanes that do not exist or do not take part\n", mask, o, lane, warp, lanes);
        std::abort();
    }
    uint64_t* slots = &emu_block->slots[(size_t)warp * 32];
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    slots[lane] = bits;
    emu_barrier(1 + warp);
    uint64_t other = slots[lane ^ o];
    emu_barrier(1 + warp);
    T r;
    std::memcpy(&r, &other, sizeof(T));
    return r;
}

inline void emu_fiber_main() {
    EmuBlock& b = *emu_block;
    b.body(b.body_arg);
    b.fibers[b.cur].done = true;
    _longjmp(b.main_jb, 1);
}

// Fiber stacks, reused across launches (the kernels keep small frames; 256 KiB is ample).
inline std::vector<std::unique_ptr<char[]>>& emu_stacks(size_t n) {
    static thread_local std::vector<std::unique_ptr<char[]>> stacks;
    while (stacks.size() < n) {
        stacks.emplace_back(new char[256 * 1024]);
    }
    return stacks;
}

inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }

// The order in which runnable fibers are resumed, from MTL_EMU_SCHEDULE: "forward" (default;
// thread 0 first), "reverse", or "shuffle[:SEED]". A fiber runs from one barrier (block or warp)
// to the next without interruption, so in forward order a thread always sees the writes that
// lower-numbered threads made since the last barrier, and a missing barrier between a write by
// thread i and a read by thread j > i goes unseen; the reverse order shows exactly those. The
// shuffled order draws a fresh permutation every round and also holds each runnable fiber back
// for the round with probability 1/2, and in every block one warp (warp 0 half the time, else
// one drawn at random) runs only
// when no other thread can: threads fall several barrier-free stretches behind the others, as a
// delayed warp does on a GPU (e.g. thread 0 resetting a flag after other warps have already set
// it). Kernels free of races give the same results in every order.
enum class EmuSchedule { forward, reverse, shuffle };
struct EmuScheduleConfig {
    EmuSchedule kind = EmuSchedule::forward;
    uint64_t seed = 0x9E3779B97F4A7C15ull;
};
inline const EmuScheduleConfig& emu_schedule() {
    static const EmuScheduleConfig config = [] {
        EmuScheduleConfig c;
        const char* s = std::getenv("MTL_EMU_SCHEDULE");
        if (s == nullptr || *s == 0 || std::strcmp(s, "forward") == 0) {
            return c;
        }
        if (std::strcmp(s, "reverse") == 0) {
            c.kind = EmuSchedule::reverse;
        } else if (std::strncmp(s, "shuffle", 7) == 0 && (s[7] == 0 || s[7] == ':')) {
            c.kind = EmuSchedule::shuffle;
            if (s[7] == ':') {
                c.seed = std::strtoull(s + 8, nullptr, 10) * 0x9E3779B97F4A7C15ull + 1;
            }
        } else {
            std::fprintf(stderr, "cuda_emu: MTL_EMU_SCHEDULE=%s: expected forward, reverse or shuffle[:SEED]\n", s);
            std::exit(2);
        }
        return c;
    }();
    return config;
}

inline uint64_t emu_splitmix(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The next round's resume order into `order` (size n), and in `hold` which fibers sit it out.
// After a round in which nothing ran (all runnable fibers held), `release` runs everyone.
inline void emu_schedule_round(std::vector<int>& order, std::vector<char>& hold, int n, uint64_t& state, int laggard,
                               bool release) {
    const EmuScheduleConfig& c = emu_schedule();
    order.resize(n);
    hold.assign(n, 0);
    for (int i = 0; i < n; ++i) {
        order[i] = c.kind == EmuSchedule::reverse ? n - 1 - i : i;
    }
    if (c.kind == EmuSchedule::shuffle) {
        for (int i = n - 1; i > 0; --i) {  // Fisher-Yates
            std::swap(order[i], order[emu_splitmix(state) % (uint64_t)(i + 1)]);
        }
        if (release) {
            return;
        }
        for (int i = 0; i < n; i += 64) {
            const uint64_t bits = emu_splitmix(state);
            for (int j = i; j < std::min(n, i + 64); ++j) {
                hold[j] = (char)((bits >> (j - i)) & 1);
            }
        }
        for (int j = 32 * laggard; j < std::min(n, 32 * laggard + 32); ++j) {
            hold[j] = 1;
        }
    }
}

// A GPU faults (CUDA_ERROR_MISALIGNED_ADDRESS) on a load or store at an address that is not a
// multiple of the access size, which x86 tolerates; so every pointer argument is checked against
// its pointee's alignment at launch (stricter than the GPU: it checks even a pointer never read).
template <typename T>
inline void emu_check_alignment(T v, int index) {
    if constexpr (std::is_pointer_v<T>) {
        using E = std::remove_cv_t<std::remove_pointer_t<T>>;
        if constexpr (!std::is_void_v<E>) {
            if (reinterpret_cast<uintptr_t>(v) % alignof(E) != 0) {
                std::fprintf(stderr, "cuda_emu: kernel argument %d (%p) is not aligned to its %zu-byte elements\n",
                             index, (const void*)v, alignof(E));
                std::abort();
            }
        }
    }
}

// The kernel's __launch_bounds__ (most threads per block), 0 when it declares none: defined in
// kernels_emu.inc, which prepare.sh generates from native/*.cu.
int emu_launch_bound(const void* kernel);

// Why a GPU would refuse this launch, or nullptr. The limits are those of every GPU the fatbins
// target (sm_80..sm_90): grid x below 2^31, y and z at most 65535; block x and y at most 1024, z
// 64, 1024 threads in all; 48 KiB of dynamic shared memory without the opt-in attribute (which
// the project does not set; the static part, which ptxas reports, must fit beside it:
// NativeBuildTest checks that); and no more threads than the kernel's __launch_bounds__, which
// is what ptxas sized its registers for (beyond it cuLaunchKernel fails with
// CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES). A kernel without __launch_bounds__ is refused: ptxas may
// then use up to 255 registers a thread, and whether a block fits depends on that count, which
// only a GPU run would tell.
inline const char* emu_launch_error(const void* kernel, dim3 grid, dim3 block, size_t smem_bytes) {
    const unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535) {
        return "grid outside the GPU's limits";
    }
    if (threads == 0 || block.x > 1024 || block.y > 1024 || block.z > 64 || threads > 1024) {
        return "block outside the GPU's limits";
    }
    if (smem_bytes > 48 * 1024) {
        return "dynamic shared memory above 48 KiB without CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES";
    }
    const int bound = emu_launch_bound(kernel);
    if (bound <= 0) {
        return "the kernel declares no __launch_bounds__";
    }
    if (threads > (unsigned long long)bound) {
        return "more threads than the kernel's __launch_bounds__ (CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES on a GPU)";
    }
    return nullptr;
}

template <typename... P, typename... A>
void emu_launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem_bytes, A... args) {
    if (const char* why = emu_launch_error(reinterpret_cast<const void*>(kernel), grid, block, smem_bytes)) {
        std::fprintf(stderr, "cuda_emu: launch grid (%u, %u, %u) block (%u, %u, %u) shared %zu bytes: %s\n", grid.x,
                     grid.y, grid.z, block.x, block.y, block.z, smem_bytes, why);
        std::abort();
    }
    {
        int index = 0;
        (emu_check_alignment<P>(static_cast<P>(args), index++), ...);
    }
    const int nthreads = block.x * block.y * block.z;
    const int nwarps = (nthreads + 31) / 32;
    std::vector<double> smem((smem_bytes + 7) / 8 + 1);
    auto& stacks = emu_stacks(nthreads);
    auto call = [&] { kernel(static_cast<P>(args)...); };
    EmuBlock b;
    b.fibers.resize(nthreads);
    b.bars.resize(1 + nwarps);
    b.body = [](void* f) { (*static_cast<decltype(call)*>(f))(); };
    b.body_arg = &call;
    std::vector<int> order;
    std::vector<char> hold;
    static thread_local uint64_t schedule_state = emu_schedule().seed;
    // Blocks run one after another; a GPU runs them in any order, at once. The reverse and
    // shuffled schedules run them in reverse or in a random order, so a result that depends on
    // the order of blocks (one block reading what another writes) changes the digest.
    const unsigned long long nblocks = (unsigned long long)grid.x * grid.y * grid.z;
    std::vector<unsigned long long> block_order(nblocks);
    for (unsigned long long i = 0; i < nblocks; ++i) {
        block_order[i] = emu_schedule().kind == EmuSchedule::reverse ? nblocks - 1 - i : i;
    }
    if (emu_schedule().kind == EmuSchedule::shuffle) {
        for (unsigned long long i = nblocks - 1; i > 0; --i) {
            std::swap(block_order[i], block_order[emu_splitmix(schedule_state) % (i + 1)]);
        }
    }
    for (const unsigned long long linear : block_order) {
        const unsigned bx = (unsigned)(linear % grid.x);
        const unsigned by = (unsigned)(linear / grid.x % grid.y);
        const unsigned bz = (unsigned)(linear / grid.x / grid.y);
        b.bars[0] = EmuBar{nthreads};
        for (int w = 0; w < nwarps; ++w) {
            b.bars[1 + w] = EmuBar{std::min(32, nthreads - 32 * w)};
        }
        b.slots.assign((size_t)nwarps * 32, 0);
        ++emu_block_gen;  // static shared memory is poisoned afresh (EMU_SHARED_POISON)
        // poison dynamic shared memory: kernels must not read what they did not write
        std::fill(smem.begin(), smem.end(), std::nan(""));
        emu_block = &b;
        emu_smem = smem.data();
        blockIdx = dim3{bx, by, bz};
        blockDim = block;
        gridDim = grid;
        int t = 0;
        for (unsigned tz = 0; tz < block.z; ++tz) {
            for (unsigned ty = 0; ty < block.y; ++ty) {
                for (unsigned tx = 0; tx < block.x; ++tx, ++t) {
                    EmuFiber& f = b.fibers[t];
                    f.tid = dim3{tx, ty, tz};
                    f.done = false;
                    f.started = false;
                    f.wait_bar = -1;
                    getcontext(&f.ctx);
                    f.ctx.uc_stack.ss_sp = stacks[t].get();
                    f.ctx.uc_stack.ss_size = 256 * 1024;
                    f.ctx.uc_link = &b.main;
                    makecontext(&f.ctx, emu_fiber_main, 0);
                }
            }
        }
        int live = nthreads;
        // Warp 0 half the time: thread 0 is where kernels reset block-wide flags and sums.
        const uint64_t draw = emu_splitmix(schedule_state);
        const int laggard = emu_schedule().kind != EmuSchedule::shuffle ? -1
                            : (draw & 1) ? 0 : (int)((draw >> 1) % (uint64_t)nwarps);
        bool release = false;
        while (live > 0) {
            bool progress = false;
            bool held = false;
            emu_schedule_round(order, hold, nthreads, schedule_state, laggard, release);
            for (int i : order) {
                EmuFiber& f = b.fibers[i];
                if (f.done || (f.wait_bar >= 0 && b.bars[f.wait_bar].gen == f.wait_gen)) {
                    continue;
                }
                if (hold[i]) {
                    held = true;  // runnable, but sits this round out
                    continue;
                }
                f.wait_bar = -1;
                b.cur = i;
                threadIdx = f.tid;
                if (_setjmp(b.main_jb) == 0) {
                    if (!f.started) {
                        f.started = true;
                        setcontext(&f.ctx);
                    }
                    _longjmp(f.jb, 1);
                }
                if (f.done) {
                    --live;
                }
                progress = true;
            }
            release = !progress;
            if (!progress && !held) {
                std::fprintf(stderr, "cuda_emu: deadlock: %d thread(s) of block (%u, %u, %u) wait at a barrier "
                             "the others never reach\n", live, bx, by, bz);
                std::abort();
            }
        }
        emu_block = nullptr;
    }
}
