// Optimiser updates, elementwise over n parameters.
//
// CPU twin: CpuBackend.sgdMomentum / adam. Every operation is written with the IEEE
// round-to-nearest intrinsics (__fmul_rn, __fadd_rn, ...) in the twin's evaluation order: the
// intrinsics forbid the compiler's multiply-add contraction, so the device result is bitwise
// the twin's (Java float arithmetic is strict IEEE; sqrt and division here are correctly
// rounded; no flush-to-zero). Grid-stride loops, 256-thread blocks.

#include "common.cuh"

// Heavy-ball SGD: v = mu v + g + wd p; p -= lr v   (twin: momentum * v + g + weightDecay * p)
extern "C" __global__ void __launch_bounds__(256)
sgd_momentum(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ v, long long n,
             float lr, float momentum, float weight_decay) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        const float pi = p[t];
        const float vi = __fadd_rn(__fadd_rn(__fmul_rn(momentum, v[t]), g[t]), __fmul_rn(weight_decay, pi));
        v[t] = vi;
        p[t] = __fsub_rn(pi, __fmul_rn(lr, vi));
    }
}

// Adam with bias correction folded into the step (computed on the host exactly as the twin:
// step_size = (float)(lr sqrt(1 - b2^t) / (1 - b1^t)), eps_hat = (float)(eps sqrt(1 - b2^t))),
// and decoupled (AdamW) weight decay:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g;
//   p -= step_size m / (sqrt(v) + eps_hat) + lr wd p
extern "C" __global__ void __launch_bounds__(256)
adam(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m, float* __restrict__ v,
     long long n, float lr, float beta1, float beta2, float step_size, float eps_hat, float weight_decay) {
    const float one_m_b1 = __fsub_rn(1.f, beta1);
    const float one_m_b2 = __fsub_rn(1.f, beta2);
    const float lr_wd = __fmul_rn(lr, weight_decay);
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        const float gi = g[t];
        const float pi = p[t];
        const float mi = __fadd_rn(__fmul_rn(beta1, m[t]), __fmul_rn(one_m_b1, gi));
        const float vi = __fadd_rn(__fmul_rn(beta2, v[t]), __fmul_rn(__fmul_rn(one_m_b2, gi), gi));
        m[t] = mi;
        v[t] = vi;
        const float upd = __fadd_rn(__fdiv_rn(__fmul_rn(step_size, mi), __fadd_rn(__fsqrt_rn(vi), eps_hat)),
                                    __fmul_rn(lr_wd, pi));
        p[t] = __fsub_rn(pi, upd);
    }
}
