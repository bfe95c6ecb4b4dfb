// The Gram matrix C = X^T X of a dense m x d row-major X, optionally centred (column means
// removed first), as needed by the covariance similarity and the analyses.
//
// CPU twin: CpuBackend.gram (ssyrk on a centred copy, one triangle mirrored).
//
// Accuracy choices: the means are accumulated in float64 and each entry is centred as
// (float)(x - mean) exactly like the twin (so large means do not cancel catastrophically); the
// products of two floats are exact in float64 and are accumulated in float64, so the only
// rounding is the final one to float32 (better than the twin's float accumulation). float64 is
// full speed on the H200 (sm_90); on consumer parts (sm_86/89) it is slow but still correct;
// Kahan-compensated float accumulation is the later alternative there.

#include "common.cuh"

#define GT 32         // output tile edge
#define GROWS 8       // threadIdx.y extent; each thread owns GT / GROWS outputs of one column
#define GPER (GT / GROWS)

// mean[j] = (sum_i x[i, j]) / m in float64. Block (32, 8), grid ceil(d / 32), same fixed
// summation order as column_sums. Requires m > 0 (the Java side handles m == 0).
extern "C" __global__ void __launch_bounds__(GT * GROWS)
column_means_f64(const float* __restrict__ x, int m, int d, double* __restrict__ mean) {
    __shared__ double part[GROWS][GT + 1];
    const int j = blockIdx.x * GT + threadIdx.x;
    double s = 0.0;
    if (j < d) {
        for (int i = threadIdx.y; i < m; i += GROWS) {
            s += (double)x[(size_t)i * d + j];
        }
    }
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < d) {
        double t = 0.0;
#pragma unroll
        for (int y = 0; y < GROWS; ++y) {
            t += part[y][threadIdx.x];
        }
        mean[j] = t / m;
    }
}

// C = Xc^T Xc where Xc = X (mean == null) or X centred by `mean` (float64, d values).
// Only the lower triangle of tiles is computed: the 1-D grid of T (T + 1) / 2 blocks, with
// T = ceil(d / GT), is mapped onto tile pairs (bi >= bj); each value is computed once and
// stored to both (i, j) and (j, i), so C is exactly symmetric. Block (GT, GROWS).
// Every thread computes rows i = bi*GT + ty + q*GROWS of column j = bj*GT + tx; in the diagonal
// tiles the threads with i < j only help load.
extern "C" __global__ void __launch_bounds__(GT * GROWS)
gram_lower(const float* __restrict__ x, int m, int d, const double* __restrict__ mean,
           float* __restrict__ c) {
    __shared__ float Xi[GT][GT + 1];  // Xi[r][ii] = xc[r0 + r, i0 + ii]
    __shared__ float Xj[GT][GT + 1];  // Xj[r][jj] = xc[r0 + r, j0 + jj]

    // Block index -> (bi, bj) with bi >= bj, row-major over the lower triangle of tiles.
    const long long b = blockIdx.x;
    int bi = (int)((sqrt(8.0 * (double)b + 1.0) - 1.0) * 0.5);
    while ((long long)bi * (bi + 1) / 2 > b) {
        --bi;
    }
    while ((long long)(bi + 1) * (bi + 2) / 2 <= b) {
        ++bi;
    }
    const int bj = (int)(b - (long long)bi * (bi + 1) / 2);
    const int i0 = bi * GT;
    const int j0 = bj * GT;
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;

    double acc[GPER];
#pragma unroll
    for (int q = 0; q < GPER; ++q) {
        acc[q] = 0.0;
    }
    for (int r0 = 0; r0 < m; r0 += GT) {
#pragma unroll
        for (int r = ty; r < GT; r += GROWS) {
            const int row = r0 + r;
            const int ci = i0 + tx;
            const int cj = j0 + tx;
            float vi = 0.f;
            float vj = 0.f;
            if (row < m) {
                const float* xr = x + (size_t)row * d;
                if (ci < d) {
                    vi = mean != nullptr ? (float)((double)xr[ci] - mean[ci]) : xr[ci];
                }
                if (cj < d) {
                    vj = mean != nullptr ? (float)((double)xr[cj] - mean[cj]) : xr[cj];
                }
            }
            Xi[r][tx] = vi;
            Xj[r][tx] = vj;
        }
        __syncthreads();
#pragma unroll 4
        for (int r = 0; r < GT; ++r) {
            const double xj = (double)Xj[r][tx];
#pragma unroll
            for (int q = 0; q < GPER; ++q) {
                acc[q] = fma((double)Xi[r][ty + q * GROWS], xj, acc[q]);
            }
        }
        __syncthreads();
    }

    const int j = j0 + tx;
#pragma unroll
    for (int q = 0; q < GPER; ++q) {
        const int i = i0 + ty + q * GROWS;
        if (i < d && j < d && i >= j) {
            const float v = (float)acc[q];
            c[(size_t)i * d + j] = v;
            c[(size_t)j * d + i] = v;
        }
    }
}
