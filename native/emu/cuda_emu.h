// A tiny CUDA emulator for checking the kernels' logic on a machine without a GPU.
//
// The real native/*.cu sources are compiled as C++ against this header (emu/run.sh): every
// thread of a block is an OS thread, __syncthreads is a block-wide barrier, warp shuffles
// go through per-warp slots with a 32-thread barrier, __shared__ variables are statics (blocks
// run one after another), dynamic shared memory is a per-block buffer. It checks indexing,
// guards, barriers and the algorithms; it says nothing about speed, and float64/float32
// arithmetic is the host's (compiled with -ffp-contract=off), not the GPU's.
#pragma once

#include <math.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
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

// A sleeping barrier (mutex + condition variable): with hundreds of OS threads per block on a
// few cores, spinning barriers (std::barrier) starve the threads that still have to arrive.
class EmuBarrier {
  public:
    explicit EmuBarrier(int n) : n_(n) {}
    void arrive_and_wait() {
        std::unique_lock<std::mutex> lock(m_);
        const long gen = gen_;
        if (++count_ == n_) {
            count_ = 0;
            ++gen_;
            cv_.notify_all();
        } else {
            cv_.wait(lock, [&] { return gen_ != gen; });
        }
    }

  private:
    std::mutex m_;
    std::condition_variable cv_;
    const int n_;
    int count_ = 0;
    long gen_ = 0;
};

struct EmuBlock {
    std::unique_ptr<EmuBarrier> bar;
    std::vector<std::unique_ptr<EmuBarrier>> warp_bars;
    std::vector<uint64_t> slots;
};

inline EmuBlock* emu_block = nullptr;
inline void* emu_smem = nullptr;

inline void __syncthreads() { emu_block->bar->arrive_and_wait(); }
inline void __threadfence_block() {}

template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int o) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    const int tid = threadIdx.x + threadIdx.y * blockDim.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    auto& bar = *emu_block->warp_bars[warp];
    uint64_t* slots = &emu_block->slots[(size_t)warp * 32];
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    slots[lane] = bits;
    bar.arrive_and_wait();
    uint64_t other = slots[lane ^ o];
    bar.arrive_and_wait();
    T r;
    std::memcpy(&r, &other, sizeof(T));
    return r;
}

inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }

template <typename... P, typename... A>
void emu_launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem_bytes, A... args) {
    const int nthreads = block.x * block.y * block.z;
    std::vector<double> smem((smem_bytes + 7) / 8 + 1);
    for (unsigned bz = 0; bz < grid.z; ++bz) {
        for (unsigned by = 0; by < grid.y; ++by) {
            for (unsigned bx = 0; bx < grid.x; ++bx) {
                EmuBlock b;
                b.bar = std::make_unique<EmuBarrier>(nthreads);
                const int nwarps = (nthreads + 31) / 32;
                for (int w = 0; w < nwarps; ++w) {
                    b.warp_bars.push_back(std::make_unique<EmuBarrier>(std::min(32, nthreads - 32 * w)));
                }
                b.slots.assign((size_t)nwarps * 32, 0);
                // poison dynamic shared memory: kernels must not read what they did not write
                std::fill(smem.begin(), smem.end(), std::nan(""));
                emu_block = &b;
                emu_smem = smem.data();
                std::vector<std::thread> threads;
                threads.reserve(nthreads);
                for (unsigned tz = 0; tz < block.z; ++tz) {
                    for (unsigned ty = 0; ty < block.y; ++ty) {
                        for (unsigned tx = 0; tx < block.x; ++tx) {
                            threads.emplace_back([=] {
                                threadIdx = dim3{tx, ty, tz};
                                blockIdx = dim3{bx, by, bz};
                                blockDim = block;
                                gridDim = grid;
                                kernel(static_cast<P>(args)...);
                            });
                        }
                    }
                }
                for (auto& t : threads) {
                    t.join();
                }
                emu_block = nullptr;
            }
        }
    }
}
