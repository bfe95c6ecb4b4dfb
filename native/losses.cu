// Per-task losses and their gradients: squared, logistic (one logit) and softmax cross-entropy.
//
// CPU twin: LossKernels.lossAndGradient. Formulas are written exactly as there (same float
// expressions for the gradient, same float64 terms for the loss) so that the gradient agrees
// to the last bit up to the libm differences of exp/log, and the loss to float64 rounding.
//
// Reduction (deterministic, no float atomics): each block of LOSS_THREADS threads sums its
// grid-stride share of the per-element (or per-row) loss terms in float64, reduces them with a
// fixed tree and writes one partial sum per block to `partial`; then reduce_partials, a single
// block, folds the partials in a fixed order into result[0]. The Java launcher fixes the grid
// size from the problem size only, so a given input always produces bitwise the same loss.
// The kernels return the raw sum of loss terms; the caller multiplies by weight / rows.

#include "common.cuh"

#define LOSS_THREADS 256

// 0.5 * sum (out - target)^2 over n values; grad = scale * (out - target) with
// scale = weight / rows (float, as in the twin).
extern "C" __global__ void __launch_bounds__(LOSS_THREADS)
loss_squared(const float* __restrict__ out, const float* __restrict__ target, float* __restrict__ grad,
             long long n, float scale, double* __restrict__ partial) {
    __shared__ double scratch[32];
    double acc = 0.0;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        const float r = out[t] - target[t];
        acc += 0.5 * (double)r * r;
        grad[t] = scale * r;
    }
    const double s = mtl_block_sum(acc, scratch);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = s;
    }
}

// The twin's LossKernels.sigmoid: both branches avoid overflow of exp for large |z|.
__device__ __forceinline__ float twin_sigmoid(float z) {
    return z >= 0.f ? 1.f / (1.f + (float)exp(-(double)z))
                    : (float)(exp((double)z) / (1.0 + exp((double)z)));
}

// Binary cross-entropy on one logit per row: softplus(z) - y z written as
// max(z, 0) - y z + log1p(exp(-|z|)) so it stays finite for huge |z|;
// grad = scale * (sigmoid(z) - y).
extern "C" __global__ void __launch_bounds__(LOSS_THREADS)
loss_logistic(const float* __restrict__ out, const float* __restrict__ target, float* __restrict__ grad,
              int rows, float scale, double* __restrict__ partial) {
    __shared__ double scratch[32];
    double acc = 0.0;
    const long long stride = (long long)gridDim.x * blockDim.x;  // rows + stride can exceed 2^31
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < rows; i += stride) {
        const float z = out[i];
        const float y = target[i];
        acc += (double)fmaxf(z, 0.f) - (double)y * z + log1p(exp(-fabs((double)z)));
        grad[i] = scale * (twin_sigmoid(z) - y);
    }
    const double s = mtl_block_sum(acc, scratch);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = s;
    }
}

// Softmax cross-entropy: one thread per row (classes is small: at most a few dozen), max-shifted
// so large logits cannot overflow; targets are class indices stored as floats (validated in
// Java to lie in [0, classes)). Loss term log(sum exp(o - max)) - (o_cls - max), with the sum in
// float64 in class order, exactly as the twin; grad = scale * (p_j - [j == cls]).
extern "C" __global__ void __launch_bounds__(LOSS_THREADS)
loss_softmax(const float* __restrict__ out, const float* __restrict__ target, float* __restrict__ grad,
             int rows, int classes, float scale, double* __restrict__ partial) {
    __shared__ double scratch[32];
    double acc = 0.0;
    const long long stride = (long long)gridDim.x * blockDim.x;  // rows + stride can exceed 2^31
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < rows; i += stride) {
        const float* o = out + (size_t)i * classes;
        float* g = grad + (size_t)i * classes;
        float mx = -INFINITY;
        for (int j = 0; j < classes; ++j) {
            mx = fmaxf(mx, o[j]);
        }
        double sum = 0.0;
        for (int j = 0; j < classes; ++j) {
            sum += exp((double)(o[j] - mx));
        }
        const int cls = (int)target[i];
        acc += log(sum) - (double)(o[cls] - mx);
        for (int j = 0; j < classes; ++j) {
            const float pj = (float)(exp((double)(o[j] - mx)) / sum);
            g[j] = scale * (pj - (j == cls ? 1.f : 0.f));
        }
    }
    const double s = mtl_block_sum(acc, scratch);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = s;
    }
}

// result[0] = sum of partial[0 .. count) in a fixed order. One block of LOSS_THREADS threads.
extern "C" __global__ void __launch_bounds__(LOSS_THREADS)
reduce_partials(const double* __restrict__ partial, int count, double* __restrict__ result) {
    __shared__ double scratch[32];
    double acc = 0.0;
    for (int t = threadIdx.x; t < count; t += blockDim.x) {
        acc += partial[t];
    }
    const double s = mtl_block_sum(acc, scratch);
    if (threadIdx.x == 0) {
        result[0] = s;
    }
}
