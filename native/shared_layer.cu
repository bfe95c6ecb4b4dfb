// The shared layer's kernels: row-major SGEMM in the transpose forms the layer needs, the fused
// bias + activation of the forward pass, and the ReLU backward mask.
//
// CPU twin: CpuBackend.gemm / biasActivation / activationBackward (BLAS sgemm and plain loops).
//
// Layer usage, for a task with m_i rows, input width d and shared width r:
//   forward      H  = X B          sgemm_nn (m_i x r, inner d)
//   grad of B    dB = X^T dH       sgemm_tn (d x r, inner m_i)
//   backprop     dX = dH B^T       sgemm_nt (m_i x d, inner r)
// sgemm_tt completes the set so the Backend interface's gemm is fully served on the device.

#include "common.cuh"

// Output tile: TILE x TILE elements per block, TILE_K deep in the inner dimension per step.
// The block is TILE x ROW_THREADS threads; each thread owns TILE / ROW_THREADS outputs of one
// column (rows ty, ty + 8, ...). Simple and robust rather than peak-fast: correctness first.
#define TILE 32
#define ROW_THREADS 8
#define PER_THREAD (TILE / ROW_THREADS)
#define GEMM_THREADS (TILE * ROW_THREADS)

// C = alpha * op(A) * op(B) + beta * C, op(A) m x k, op(B) k x n, all row-major.
// TA: A is stored k x m (op(A) = A^T); TB: B is stored n x k (op(B) = B^T).
//
// Guards: every global read is bounds-checked against (m, n, k) and replaced by 0 outside, so
// odd sizes work and the padding between rows (ld > cols) is never read (callers keep NaN or
// other data there). beta == 0 follows BLAS: C is not read, so NaN already in C cannot leak.
// k == 0 gives C = beta * C (or 0): the inner loop simply does not run.
// Grid: (ceil(n / TILE), ceil(m / TILE)); block (TILE, ROW_THREADS).
template <bool TA, bool TB>
__device__ __forceinline__ void sgemm_tile(int m, int n, int k, float alpha,
                                           const float* __restrict__ a, int lda,
                                           const float* __restrict__ b, int ldb,
                                           float beta, float* __restrict__ c, int ldc) {
    // +1 column of padding: the transposed stores (As[tx][r]) hit 32 different banks.
    __shared__ float As[TILE][TILE + 1];  // As[i][l] = op(A)[i0 + i][k0 + l]
    __shared__ float Bs[TILE][TILE + 1];  // Bs[l][j] = op(B)[k0 + l][j0 + j]
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int i0 = blockIdx.y * TILE;
    const int j0 = blockIdx.x * TILE;

    float acc[PER_THREAD];
#pragma unroll
    for (int q = 0; q < PER_THREAD; ++q) {
        acc[q] = 0.f;
    }

    for (int k0 = 0; k0 < k; k0 += TILE) {
        // Loads: the thread index tx always runs along the contiguous dimension of the stored
        // matrix, so every load is coalesced whichever form is used.
#pragma unroll
        for (int r = ty; r < TILE; r += ROW_THREADS) {
            if (!TA) {
                const int i = i0 + r;
                const int l = k0 + tx;
                As[r][tx] = (i < m && l < k) ? a[(size_t)i * lda + l] : 0.f;
            } else {
                const int l = k0 + r;
                const int i = i0 + tx;
                As[tx][r] = (i < m && l < k) ? a[(size_t)l * lda + i] : 0.f;
            }
            if (!TB) {
                const int l = k0 + r;
                const int j = j0 + tx;
                Bs[r][tx] = (l < k && j < n) ? b[(size_t)l * ldb + j] : 0.f;
            } else {
                const int j = j0 + r;
                const int l = k0 + tx;
                Bs[tx][r] = (l < k && j < n) ? b[(size_t)j * ldb + l] : 0.f;
            }
        }
        __syncthreads();
#pragma unroll 8
        for (int l = 0; l < TILE; ++l) {
            const float bv = Bs[l][tx];  // consecutive tx: consecutive banks
#pragma unroll
            for (int q = 0; q < PER_THREAD; ++q) {
                acc[q] = fmaf(As[ty + q * ROW_THREADS][l], bv, acc[q]);  // broadcast read
            }
        }
        __syncthreads();
    }

    const int j = j0 + tx;
    if (j < n) {
#pragma unroll
        for (int q = 0; q < PER_THREAD; ++q) {
            const int i = i0 + ty + q * ROW_THREADS;
            if (i < m) {
                float* cij = c + (size_t)i * ldc + j;
                const float v = alpha * acc[q];
                *cij = (beta == 0.f) ? v : fmaf(beta, *cij, v);
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
sgemm_nn(int m, int n, int k, float alpha, const float* __restrict__ a, int lda,
         const float* __restrict__ b, int ldb, float beta, float* __restrict__ c, int ldc) {
    sgemm_tile<false, false>(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
sgemm_tn(int m, int n, int k, float alpha, const float* __restrict__ a, int lda,
         const float* __restrict__ b, int ldb, float beta, float* __restrict__ c, int ldc) {
    sgemm_tile<true, false>(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
sgemm_nt(int m, int n, int k, float alpha, const float* __restrict__ a, int lda,
         const float* __restrict__ b, int ldb, float beta, float* __restrict__ c, int ldc) {
    sgemm_tile<false, true>(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
sgemm_tt(int m, int n, int k, float alpha, const float* __restrict__ a, int lda,
         const float* __restrict__ b, int ldb, float beta, float* __restrict__ c, int ldc) {
    sgemm_tile<true, true>(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// out[i, j] = g(h[i, j] + bias[j]) over a dense rows x cols block (n = rows * cols values);
// bias may be null; out may equal h (each element is read before it is written, by the same
// thread). ReLU is written exactly as the CPU twin (v < 0 ? 0 : v), so the results are bitwise
// equal: one float addition, no contraction possible. Grid-stride loop, 1-D grid of 256-thread
// blocks.
extern "C" __global__ void __launch_bounds__(256)
bias_activation(const float* h, const float* __restrict__ bias, float* out, long long n, int cols,
                int relu) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        // h + 0 when there is no bias, as the twin does (it turns -0 into +0).
        const float v = h[t] + (bias != nullptr ? bias[t % cols] : 0.f);
        out[t] = (relu && v < 0.f) ? 0.f : v;
    }
}

// The forward's bias and activation in one pass: pre = h + bias (kept for the backward) and
// out = g(pre) over n = rows * cols values; pre may equal h, out must not. out is computed from
// pre + 0, exactly as the two-call twin (bias_activation into pre, then g of pre with no bias),
// so both results are bitwise the twin's, signed zeros included. Grid-stride, 256.
extern "C" __global__ void __launch_bounds__(256)
bias_activation_split(const float* h, const float* __restrict__ bias, float* pre, float* __restrict__ out,
                      long long n, int cols, int relu) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        const float v = h[t] + (bias != nullptr ? bias[t % cols] : 0.f);
        pre[t] = v;
        const float w = v + 0.f;
        out[t] = (relu && w < 0.f) ? 0.f : w;
    }
}

// dPre = pre > 0 ? dOut : 0 over n values (the ReLU mask uses the pre-activation); dPre may
// alias dOut. (The identity's backward is a plain copy and needs no kernel.) Grid-stride, 256.
extern "C" __global__ void __launch_bounds__(256)
relu_backward(const float* __restrict__ pre, const float* dout, float* dpre, long long n) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        dpre[t] = pre[t] > 0.f ? dout[t] : 0.f;
    }
}
