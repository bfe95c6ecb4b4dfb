// Helpers shared by the kernel families in native/*.cu (device code only, header-only).
//
// Conventions used by every kernel in this directory:
//  * float32 data, row-major, element (i, j) of a matrix with leading dimension ld at i * ld + j,
//    exactly as the Java Backend interface documents it;
//  * sizes that can exceed 2^31 elements are indexed with size_t / long long;
//  * reductions are deterministic: fixed thread-to-data assignment (depending only on the launch
//    configuration, which the Java launchers derive from the sizes alone), fixed combining tree,
//    no floating-point atomics, so the same input always gives bitwise the same output;
//  * block sizes are multiples of 32 so that full-warp shuffles are always legal.
#pragma once

#define MTL_FULL_MASK 0xffffffffu

// Sum over a warp by an xor butterfly. Every lane ends with the same, bitwise identical value:
// at each step lanes L and L^o add the same two operands (in swapped order, and + is
// commutative), so decisions taken from the result are uniform across the warp.
__device__ __forceinline__ double mtl_warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(MTL_FULL_MASK, v, o);
    }
    return v;
}

__device__ __forceinline__ float mtl_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(MTL_FULL_MASK, v, o);
    }
    return v;
}

// Linear thread index within the block (x fastest), for 1-D and 2-D blocks alike.
__device__ __forceinline__ int mtl_tid() {
    return threadIdx.x + threadIdx.y * blockDim.x;
}

__device__ __forceinline__ int mtl_block_threads() {
    return blockDim.x * blockDim.y;
}

// Deterministic sum over the whole block; every thread receives the result. `scratch` is a
// shared array of at least 32 elements. Must be reached by all threads of the block (it
// contains barriers); the block size must be a multiple of 32.
template <typename T>
__device__ __forceinline__ T mtl_block_sum(T v, T* scratch) {
    const int tid = mtl_tid();
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int nwarps = mtl_block_threads() >> 5;
    v = mtl_warp_sum(v);
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    // Every warp folds the per-warp sums in the same order, so all threads agree bitwise.
    T r = lane < nwarps ? scratch[lane] : T(0);
    return mtl_warp_sum(r);
}
