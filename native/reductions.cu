// Column sums (the bias gradient of a layer) and row gathers (mini-batch assembly).
//
// CPU twin: CpuBackend.columnSums / gatherRows.

#include "common.cuh"

#define CS_COLS 32  // columns per block (threadIdx.x)
#define CS_ROWS 8   // row lanes per column (threadIdx.y)

// out[j] (+)= sum_i a[i, j] over a dense rows x cols block. Block (CS_COLS, CS_ROWS): thread
// (x, y) sums rows y, y + CS_ROWS, ... of column blockIdx.x * CS_COLS + x in float (reads of a
// row are coalesced across x), then the CS_ROWS partial sums are folded in a fixed order in
// shared memory: deterministic, no atomics. With accumulate the previous out[j] is added last.
// Grid: ceil(cols / CS_COLS) blocks. (Few columns and very many rows leave most SMs idle; a
// two-pass split over rows is the later, faster version.)
extern "C" __global__ void __launch_bounds__(CS_COLS * CS_ROWS)
column_sums(const float* __restrict__ a, int rows, int cols, float* __restrict__ out, int accumulate) {
    __shared__ float part[CS_ROWS][CS_COLS + 1];
    const int j = blockIdx.x * CS_COLS + threadIdx.x;
    float s = 0.f;
    if (j < cols) {
        for (int i = threadIdx.y; i < rows; i += CS_ROWS) {
            s += a[(size_t)i * cols + j];
        }
    }
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < cols) {
        float t = 0.f;
#pragma unroll
        for (int y = 0; y < CS_ROWS; ++y) {
            t += part[y][threadIdx.x];
        }
        out[j] = accumulate ? out[j] + t : t;
    }
}

// dst[i, :] = src[idx[i], :] for i < count (dst is count x cols, dense). Indices are validated
// in Java (0 <= idx < source rows) before the launch. Grid-stride over count * cols, 256 threads;
// consecutive threads copy consecutive columns of a row, so both sides are coalesced.
extern "C" __global__ void __launch_bounds__(256)
gather_rows(const float* __restrict__ src, int cols, const int* __restrict__ idx, int count,
            float* __restrict__ dst) {
    const long long n = (long long)count * cols;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        const long long i = t / cols;
        const long long j = t - i * cols;
        dst[t] = src[(size_t)idx[i] * cols + j];
    }
}
