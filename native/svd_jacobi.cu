// Batched thin SVD by one-sided Jacobi (Hestenes), and the symmetric eigendecomposition by
// two-sided cyclic Jacobi. One thread block per matrix.
//
// CPU twin: CpuBackend.svd (LAPACK sgesdd) and CpuBackend.symmetricEigen (LAPACK dsyevd in
// float64), including the sign convention of CpuBackend.fixSigns: in every column of U (of the
// eigenvectors) the first entry of largest magnitude, taken over the float32 output, is positive.
//
// Why Jacobi: it is simple, needs no bidiagonalisation, parallelises within a block (disjoint
// column pairs are independent), and is accurate: it computes small singular values to high
// relative accuracy. Both algorithms work in float64 on a copy of the float32 input (full speed
// on the H200; on sm_86/89 slower but correct) and round only the results, so the float32
// outputs carry essentially no algorithmic error.
//
// SVD (one-sided Jacobi). Let B = A (m >= n) or B = A^T (m < n; "trans": factor A^T and swap
// the roles of U and V at the end), M x N with M >= N, p = N. Work on W = B (column-major,
// columns contiguous so a warp reads a column coalesced) and V = I (N x N). A sweep visits every
// column pair once in round-robin ("chess tournament") order: N' - 1 rounds of N'/2 disjoint
// pairs (N' = N rounded up to even, the extra index is a dummy), so all pairs of a round are
// processed concurrently, one warp per pair. For a pair (p, q) with alpha = |w_p|^2,
// beta = |w_q|^2, gamma = w_p . w_q, the pair is rotated when
//     |gamma| > TOL * sqrt(alpha) * sqrt(beta)            (relative off-diagonal test)
// by the rotation that makes w_p and w_q orthogonal (Rutishauser's formula for the smaller
// angle), applied to the columns of W and V. A sweep without any rotation ends the iteration;
// at most max_sweeps sweeps are made (info reports the sweeps used; max_sweeps means "did not
// converge" and the Java side raises an error). Then sigma_j = |w_j|, u_j = w_j / sigma_j
// (a zero column, sigma_j = 0, gives u_j = 0: finite, with no contribution to U S V^T), sorted
// descending (stable: ties keep column order), and signs fixed.
//
// Two paths: the shared-memory kernel keeps W, V and sigma in dynamic shared memory (small
// matrices: N <= 32 and the whole workspace within 48 KiB); the global-memory kernel keeps them
// in a float64 workspace in device memory (large or tall matrices), read column-wise so every
// access is coalesced. The algorithm is the same device function for both.
//
// Symmetric eigen (two-sided Jacobi): A (n x n, float64 copy of the upper triangle mirrored; the
// lower triangle of the input is never read) is driven to diagonal form by A <- J^T A J with the
// same round-robin order; per round, the rotation parameters of all N'/2 disjoint pairs are
// computed from the current A (they do not interfere), then all column rotations (A J, V J) are
// applied, then all row rotations (J^T (A J)). A pair is rotated when
//     |a_pq| > max(TOL_EIG * sqrt(|a_pp a_qq|), ABS_EIG * ||A||_F)
// (relative test, with an absolute floor far above float64 round-off so the iteration cannot
// cycle on round-off when a diagonal entry is zero). Eigenvalues may be negative: no PSD shift
// is needed. Then w_j = a_jj sorted descending with V's columns, signs fixed.

#include "common.cuh"

#define JACOBI_MAX_THREADS 512
// Rotate unless the pair is orthogonal to ~1e-9 relative (float32 outputs need ~6e-8; the
// Jacobi iteration converges quadratically, so the margin costs at most part of one sweep).
#define TOL_SVD 1e-9
#define TOL_EIG 1e-10
#define ABS_EIG 1e-13

// Round-robin pair k (0 <= k < np/2) of round `round` (0 <= round < np - 1) for np (even)
// indices: position 0 is fixed, positions 1..np-1 rotate by one each round, position k meets
// position np - 1 - k. Every pair meets exactly once per sweep. Returns p < q.
__device__ __forceinline__ void rr_pair(int round, int k, int np, int* p, int* q) {
    const int a = k;
    const int b = np - 1 - k;  // >= np / 2 >= 1
    const int pa = a == 0 ? 0 : 1 + (a - 1 + round) % (np - 1);
    const int pb = 1 + (b - 1 + round) % (np - 1);
    *p = min(pa, pb);
    *q = max(pa, pb);
}

// One-sided Jacobi sweeps on W (M x N, column j at W + j * M) and V (N x N, column j at V + j*N).
// Returns the number of sweeps that rotated (max_sweeps when not converged). All threads of the
// block must call it; blockDim.x is a multiple of 32.
__device__ int svd_sweeps(double* W, int M, double* V, int N, int max_sweeps) {
    __shared__ int rotated;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int nwarps = blockDim.x >> 5;
    const int np = N + (N & 1);
    const int npairs = np / 2;
    int sweep = 0;
    for (; sweep < max_sweeps; ++sweep) {
        if (threadIdx.x == 0) {
            rotated = 0;
        }
        __syncthreads();
        for (int round = 0; round < np - 1; ++round) {
            for (int k = warp; k < npairs; k += nwarps) {
                int p, q;
                rr_pair(round, k, np, &p, &q);
                if (q >= N) {
                    continue;  // paired with the dummy index (N odd)
                }
                double* wp = W + (size_t)p * M;
                double* wq = W + (size_t)q * M;
                double alpha = 0.0, beta = 0.0, gamma = 0.0;
                for (int i = lane; i < M; i += 32) {
                    const double x = wp[i];
                    const double y = wq[i];
                    alpha = fma(x, x, alpha);
                    beta = fma(y, y, beta);
                    gamma = fma(x, y, gamma);
                }
                // Butterfly sums: identical in every lane, so the branch below is warp-uniform.
                alpha = mtl_warp_sum(alpha);
                beta = mtl_warp_sum(beta);
                gamma = mtl_warp_sum(gamma);
                if (fabs(gamma) > TOL_SVD * sqrt(alpha) * sqrt(beta)) {
                    const double zeta = (beta - alpha) / (2.0 * gamma);
                    const double t = copysign(1.0, zeta) / (fabs(zeta) + hypot(1.0, zeta));
                    const double c = 1.0 / sqrt(fma(t, t, 1.0));
                    const double s = c * t;
                    for (int i = lane; i < M; i += 32) {
                        const double x = wp[i];
                        const double y = wq[i];
                        wp[i] = c * x - s * y;
                        wq[i] = s * x + c * y;
                    }
                    double* vp = V + (size_t)p * N;
                    double* vq = V + (size_t)q * N;
                    for (int i = lane; i < N; i += 32) {
                        const double x = vp[i];
                        const double y = vq[i];
                        vp[i] = c * x - s * y;
                        vq[i] = s * x + c * y;
                    }
                    if (lane == 0) {
                        rotated = 1;  // benign race: every writer stores 1
                    }
                }
            }
            __syncthreads();  // the next round's pairs read columns this round wrote
        }
        const int any = rotated;
        __syncthreads();  // everyone has read the flag before thread 0 clears it again
        if (!any) {
            break;
        }
    }
    return sweep;
}

// out[rank[j]] = key[j] ordering: rank[j] = #{k : key[k] > key[j] or (key[k] == key[j], k < j)},
// a stable descending sort computed in parallel (O(N^2 / threads), fine for the N Jacobi serves).
// NaN keys (NaN input) rank after every number, in index order, so that rank is always a
// permutation: otherwise ranks collide and some output columns are never written.
__device__ void descending_ranks(const double* key, int N, int* rank) {
    for (int j = threadIdx.x; j < N; j += blockDim.x) {
        const double kj = key[j];
        const bool nj = isnan(kj);
        int r = 0;
        for (int k = 0; k < N; ++k) {
            const double kk = key[k];
            r += (nj ? (!isnan(kk) || k < j) : (kk > kj || (kk == kj && k < j))) ? 1 : 0;
        }
        rank[j] = r;
    }
}

// The twin's fixSigns on the float32 outputs: for each of the p columns of U (rows x p,
// row-major), find the first entry of largest magnitude; if negative, negate that column of U
// and of V (vrows x p). One thread per column.
__device__ void fix_signs(float* U, int rows, float* Vo, int vrows, int p) {
    for (int j = threadIdx.x; j < p; j += blockDim.x) {
        int best = 0;
        float best_abs = -1.f;
        for (int i = 0; i < rows; ++i) {
            const float x = fabsf(U[(size_t)i * p + j]);
            if (x > best_abs) {
                best_abs = x;
                best = i;
            }
        }
        if (U[(size_t)best * p + j] < 0.f) {
            for (int i = 0; i < rows; ++i) {
                U[(size_t)i * p + j] = -U[(size_t)i * p + j];
            }
            for (int i = 0; i < vrows; ++i) {
                Vo[(size_t)i * p + j] = -Vo[(size_t)i * p + j];
            }
        }
    }
}

// The whole SVD of one m x n matrix a (row-major) with workspace W (M*N), V (N*N), sig (N)
// doubles and rank (N) ints; writes u (m x p), s (p), v (n x p) and info.
__device__ void svd_one(const float* __restrict__ a, int m, int n, int trans, double* W, double* V,
                        double* sig, int* rank, float* u, float* s, float* v, int* info, int max_sweeps) {
    const int M = trans ? n : m;
    const int N = trans ? m : n;
    const int p = N;
    const int tid = threadIdx.x;
    const int nt = blockDim.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int nwarps = nt >> 5;

    // W = B column-major. a is read contiguously; B[i][j] = A[r][c] with (i, j) = (r, c) or (c, r).
    const long long mn = (long long)m * n;
    for (long long t = tid; t < mn; t += nt) {
        const int r = (int)(t / n);
        const int c = (int)(t - (long long)r * n);
        const double x = (double)a[t];
        if (!trans) {
            W[(size_t)c * M + r] = x;
        } else {
            W[(size_t)r * M + c] = x;
        }
    }
    for (long long t = tid; t < (long long)N * N; t += nt) {
        V[t] = (t / N == t % N) ? 1.0 : 0.0;
    }
    __syncthreads();

    const int sweeps = svd_sweeps(W, M, V, N, max_sweeps);

    for (int j = warp; j < N; j += nwarps) {
        const double* wj = W + (size_t)j * M;
        double ss = 0.0;
        for (int i = lane; i < M; i += 32) {
            ss = fma(wj[i], wj[i], ss);
        }
        ss = mtl_warp_sum(ss);
        if (lane == 0) {
            sig[j] = sqrt(ss);
        }
    }
    __syncthreads();
    descending_ranks(sig, N, rank);
    __syncthreads();

    // B = UB S VB^T with UB = W / sigma (M x p), VB = V (N x p). A = B (U = UB, V = VB) or
    // A = B^T (U = VB, V = UB).
    float* ub = trans ? v : u;  // receives UB, M rows
    float* vb = trans ? u : v;  // receives VB, N rows
    for (long long t = tid; t < (long long)M * N; t += nt) {
        const int j = (int)(t / M);
        const int i = (int)(t - (long long)j * M);
        const double sj = sig[j];
        ub[(size_t)i * p + rank[j]] = sj > 0.0 ? (float)(W[t] / sj) : 0.f;
    }
    for (long long t = tid; t < (long long)N * N; t += nt) {
        const int j = (int)(t / N);
        const int i = (int)(t - (long long)j * N);
        vb[(size_t)i * p + rank[j]] = (float)V[t];
    }
    for (int j = tid; j < N; j += nt) {
        s[rank[j]] = (float)sig[j];
    }
    if (tid == 0) {
        *info = sweeps;
    }
    __syncthreads();  // global writes of the block are visible to the block after the barrier
    fix_signs(u, m, v, n, p);
}

// Shared-memory path. Grid: batch blocks; block: 32 * min(N'/2, 16) threads; dynamic shared
// memory (M*N + N*N + N) doubles + N ints (the Java launcher checks it fits in 48 KiB).
extern "C" __global__ void __launch_bounds__(JACOBI_MAX_THREADS)
svd_jacobi_shared(const float* __restrict__ a, int m, int n, int trans, float* __restrict__ u,
                  float* __restrict__ s, float* __restrict__ v, int* __restrict__ info, int max_sweeps) {
    extern __shared__ double smem[];
    const int M = trans ? n : m;
    const int N = trans ? m : n;
    const int p = N;
    const size_t b = blockIdx.x;
    double* W = smem;
    double* V = W + (size_t)M * N;
    double* sig = V + (size_t)N * N;
    int* rank = (int*)(sig + N);
    svd_one(a + b * m * n, m, n, trans, W, V, sig, rank, u + b * m * p, s + b * p, v + b * n * p,
            info + b, max_sweeps);
}

// Global-memory path: same as above with the workspace in device memory, work_stride doubles per
// matrix laid out as W (M*N), V (N*N), sig (N), rank (N ints, in ceil(N/2) doubles).
extern "C" __global__ void __launch_bounds__(JACOBI_MAX_THREADS)
svd_jacobi_global(const float* __restrict__ a, int m, int n, int trans, float* __restrict__ u,
                  float* __restrict__ s, float* __restrict__ v, int* __restrict__ info, int max_sweeps,
                  double* __restrict__ work, long long work_stride) {
    const int M = trans ? n : m;
    const int N = trans ? m : n;
    const int p = N;
    const size_t b = blockIdx.x;
    double* W = work + b * work_stride;
    double* V = W + (size_t)M * N;
    double* sig = V + (size_t)N * N;
    int* rank = (int*)(sig + N);
    svd_one(a + b * m * n, m, n, trans, W, V, sig, rank, u + b * m * p, s + b * p, v + b * n * p,
            info + b, max_sweeps);
}

// ------------------------------------------------------------------------------------------
// Symmetric eigen
// ------------------------------------------------------------------------------------------

// Two-sided Jacobi on A (n x n row-major, full symmetric) with V (n x n row-major, columns are
// the eigenvectors); cs holds (c, s) per pair and act the per-pair "rotate" flag.
__device__ int eig_sweeps(double* A, double* V, int n, double* cs, int* act, double abs_tol,
                          int max_sweeps) {
    __shared__ int rotated;
    const int tid = threadIdx.x;
    const int nt = blockDim.x;
    const int np = n + (n & 1);
    const int npairs = np / 2;
    int sweep = 0;
    for (; sweep < max_sweeps; ++sweep) {
        if (tid == 0) {
            rotated = 0;
        }
        __syncthreads();
        for (int round = 0; round < np - 1; ++round) {
            // 1. parameters of every pair, from the current A (disjoint pairs do not interact)
            for (int k = tid; k < npairs; k += nt) {
                int p, q;
                rr_pair(round, k, np, &p, &q);
                int on = 0;
                if (q < n) {
                    const double apq = A[(size_t)p * n + q];
                    const double app = A[(size_t)p * n + p];
                    const double aqq = A[(size_t)q * n + q];
                    if (fabs(apq) > fmax(TOL_EIG * sqrt(fabs(app)) * sqrt(fabs(aqq)), abs_tol)) {
                        const double theta = (aqq - app) / (2.0 * apq);
                        const double t = copysign(1.0, theta) / (fabs(theta) + hypot(1.0, theta));
                        const double c = 1.0 / sqrt(fma(t, t, 1.0));
                        cs[2 * k] = c;
                        cs[2 * k + 1] = c * t;
                        on = 1;
                        rotated = 1;  // benign race
                    }
                }
                act[k] = on;
            }
            __syncthreads();
            // 2. columns: A <- A J, V <- V J   (work items: pair k, row r)
            for (long long w = tid; w < (long long)npairs * n; w += nt) {
                const int k = (int)(w / n);
                const int r = (int)(w - (long long)k * n);
                if (!act[k]) {
                    continue;
                }
                int p, q;
                rr_pair(round, k, np, &p, &q);
                const double c = cs[2 * k];
                const double s = cs[2 * k + 1];
                double* ar = A + (size_t)r * n;
                double x = ar[p], y = ar[q];
                ar[p] = c * x - s * y;
                ar[q] = s * x + c * y;
                double* vr = V + (size_t)r * n;
                x = vr[p];
                y = vr[q];
                vr[p] = c * x - s * y;
                vr[q] = s * x + c * y;
            }
            __syncthreads();
            // 3. rows: A <- J^T A   (work items: pair k, column r)
            for (long long w = tid; w < (long long)npairs * n; w += nt) {
                const int k = (int)(w / n);
                const int r = (int)(w - (long long)k * n);
                if (!act[k]) {
                    continue;
                }
                int p, q;
                rr_pair(round, k, np, &p, &q);
                const double c = cs[2 * k];
                const double s = cs[2 * k + 1];
                const double x = A[(size_t)p * n + r];
                const double y = A[(size_t)q * n + r];
                A[(size_t)p * n + r] = c * x - s * y;
                A[(size_t)q * n + r] = s * x + c * y;
            }
            __syncthreads();
        }
        const int any = rotated;
        __syncthreads();
        if (!any) {
            break;
        }
    }
    return sweep;
}

// Workspace (doubles): A (n*n), V (n*n), cs (2 * npairs), diag (n), then act (npairs ints) and
// rank (n ints).
__device__ void eig_one(const float* __restrict__ a, int n, double* A, double* V, double* cs, double* diag,
                        int* act, int* rank, float* w, float* vec, int* info, int max_sweeps) {
    __shared__ double scratch[32];
    const int tid = threadIdx.x;
    const int nt = blockDim.x;
    double fro = 0.0;
    for (long long t = tid; t < (long long)n * n; t += nt) {
        const int i = (int)(t / n);
        const int j = (int)(t - (long long)i * n);
        // Only the upper triangle is read (the lower one may hold anything, NaN included).
        const double x = (double)a[i <= j ? t : (size_t)j * n + i];
        A[t] = x;
        V[t] = i == j ? 1.0 : 0.0;
        fro = fma(x, x, fro);
    }
    fro = sqrt(mtl_block_sum(fro, scratch));  // contains barriers: A and V are complete after it

    const int sweeps = eig_sweeps(A, V, n, cs, act, ABS_EIG * fro, max_sweeps);

    for (int j = tid; j < n; j += nt) {
        diag[j] = A[(size_t)j * n + j];
    }
    __syncthreads();
    descending_ranks(diag, n, rank);
    __syncthreads();
    for (int j = tid; j < n; j += nt) {
        w[rank[j]] = (float)diag[j];
    }
    for (long long t = tid; t < (long long)n * n; t += nt) {
        const int i = (int)(t / n);
        const int j = (int)(t - (long long)i * n);
        vec[(size_t)i * n + rank[j]] = (float)V[t];
    }
    if (tid == 0) {
        *info = sweeps;
    }
    __syncthreads();
    fix_signs(vec, n, vec, 0, n);
}

// Shared-memory path (small n; the launcher checks the workspace fits in 48 KiB). Grid: batch
// blocks (one matrix each, n x n apart); block: 128..512 threads.
extern "C" __global__ void __launch_bounds__(JACOBI_MAX_THREADS)
sym_eig_jacobi_shared(const float* __restrict__ a, int n, float* __restrict__ w, float* __restrict__ vec,
                      int* __restrict__ info, int max_sweeps) {
    extern __shared__ double smem[];
    const int npairs = (n + 1) / 2;
    const size_t b = blockIdx.x;
    double* A = smem;
    double* V = A + (size_t)n * n;
    double* cs = V + (size_t)n * n;
    double* diag = cs + 2 * npairs;
    int* act = (int*)(diag + n);
    int* rank = act + npairs;
    eig_one(a + b * n * n, n, A, V, cs, diag, act, rank, w + b * n, vec + b * n * n, info + b, max_sweeps);
}

// Global-memory path: the same with the workspace in device memory, work_stride doubles apart.
extern "C" __global__ void __launch_bounds__(JACOBI_MAX_THREADS)
sym_eig_jacobi_global(const float* __restrict__ a, int n, float* __restrict__ w, float* __restrict__ vec,
                      int* __restrict__ info, int max_sweeps, double* __restrict__ work, long long work_stride) {
    const int npairs = (n + 1) / 2;
    const size_t b = blockIdx.x;
    double* A = work + b * work_stride;
    double* V = A + (size_t)n * n;
    double* cs = V + (size_t)n * n;
    double* diag = cs + 2 * npairs;
    int* act = (int*)(diag + n);
    int* rank = act + npairs;
    eig_one(a + b * n * n, n, A, V, cs, diag, act, rank, w + b * n, vec + b * n * n, info + b, max_sweeps);
}
