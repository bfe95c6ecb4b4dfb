// Usage: emu_check [SEED [TEST]]. Checks every kernel of native/*.cu on the CPU through cuda_emu.h (see run.sh), with the launch
// configurations of CudaKernels.java, against float64 references: odd sizes, offsets, padded
// leading dimensions, NaN-poisoned outputs, sentinels past every region. Prints one line per
// failure and a summary; exit status 1 on any failure.
#include "cuda_emu.h"

#include <cstdio>
#include <random>
#include <string>
#include <type_traits>

#include "kernels_emu.inc"

static std::mt19937_64 rng;
static int failures = 0;
static int checks = 0;
static const float SENT = -7777.25f;
static const double EPS = 1.0 / (1 << 23);

static float gauss() {
    static std::normal_distribution<double> nd(0.0, 1.0);
    return (float)nd(rng);
}
static int uni(int n) { return (int)(rng() % (uint64_t)n); }

// A digest of every check's arguments and of the main outputs, bit for bit: the kernels are
// deterministic for a fixed launch, so races.sh requires the same digest under every thread
// schedule of cuda_emu.h (a race that stays inside the tolerances still changes bits).
static uint64_t digest = 1469598103934665603ull;
static void absorb_bytes(const void* p, size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) digest = (digest ^ b[i]) * 1099511628211ull;
}
template <typename T>
static void absorb_one(const T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
        absorb_bytes(&v, sizeof v);
    } else if constexpr (std::is_convertible_v<const T&, const char*>) {
        const char* c = v;
        if (c != nullptr) absorb_bytes(c, std::strlen(c));
    }
}
template <typename... T>
static void absorb_args(const T&... v) { (absorb_one(v), ...); }
template <typename T>
static void absorb(const std::vector<T>& v) { absorb_bytes(v.data(), v.size() * sizeof(T)); }

#define CHECK(cond, ...)                        \
    do {                                        \
        ++checks;                               \
        absorb_args(__VA_ARGS__);               \
        if (!(cond)) {                          \
            ++failures;                         \
            if (failures <= 60) {               \
                std::printf("FAIL: " __VA_ARGS__); \
                std::printf("\n");              \
            }                                   \
        }                                       \
    } while (0)

static unsigned ceil_div(long a, int b) { return (unsigned)((a + b - 1) / b); }
static unsigned grid_stride_blocks(long n) { return (unsigned)std::max(1L, std::min(1L << 16, (n + 255) / 256)); }

// ---------------------------------------------------------------------------------------------
static void gemm_case(bool tA, bool tB, int m, int n, int k, float alpha, float beta) {
    int aRows = tA ? k : m, aCols = tA ? m : k, bRows = tB ? n : k, bCols = tB ? k : n;
    int lda = std::max(1, aCols) + uni(3), ldb = std::max(1, bCols) + uni(3), ldc = n + uni(3);
    int aOff = uni(4), bOff = uni(4), cOff = uni(4);
    std::vector<float> a(aOff + (size_t)aRows * lda + 3, NAN), b(bOff + (size_t)bRows * ldb + 3, NAN),
        c(cOff + (size_t)m * ldc + 3, SENT);
    for (int i = 0; i < aRows; ++i) for (int j = 0; j < aCols; ++j) a[aOff + i * lda + j] = gauss();
    for (int i = 0; i < bRows; ++i) for (int j = 0; j < bCols; ++j) b[bOff + i * ldb + j] = gauss();
    for (int i = 0; i < m; ++i) for (int j = 0; j < n; ++j) c[cOff + i * ldc + j] = beta == 0.f ? NAN : gauss();
    std::vector<float> c0 = c;
    auto kern = tA ? (tB ? sgemm_tt : sgemm_tn) : (tB ? sgemm_nt : sgemm_nn);
    emu_launch(kern, dim3{ceil_div(n, 32), ceil_div(m, 32), 1}, dim3{32, 8, 1}, 0, m, n, k, alpha,
               k ? a.data() + aOff : nullptr, lda, k ? b.data() + bOff : nullptr, ldb, beta, c.data() + cOff, ldc);
    double worst = 0;
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
            double s = 0, abs = 0;
            for (int l = 0; l < k; ++l) {
                double x = (double)(tA ? a[aOff + l * lda + i] : a[aOff + i * lda + l]) *
                           (tB ? b[bOff + j * ldb + l] : b[bOff + l * ldb + j]);
                s += x;
                abs += std::fabs(x);
            }
            double cij = beta == 0.f ? 0 : (double)beta * c0[cOff + i * ldc + j];
            double ref = alpha * s + cij;
            double tol = 1e-5 * std::max(k, 1) * (std::fabs(alpha) * abs + std::fabs(cij)) + 1e-30;
            float got = c[cOff + i * ldc + j];
            if (!(std::fabs(got - ref) <= tol)) worst = std::max(worst, std::isnan(got) ? 1e30 : std::fabs(got - ref) / tol);
        }
    }
    absorb(c);
    CHECK(worst == 0, "gemm%c%c m=%d n=%d k=%d alpha=%g beta=%g: worst error %.3g x tolerance", tA ? 'T' : 'N',
          tB ? 'T' : 'N', m, n, k, alpha, beta, worst);
    bool outside = true;
    for (size_t idx = 0; idx < c.size(); ++idx) {
        long r = ((long)idx - cOff) / ldc, col = ((long)idx - cOff) % ldc;
        bool inside = (long)idx >= cOff && r < m && col < n;
        if (!inside && std::memcmp(&c[idx], &c0[idx], 4) != 0) outside = false;
    }
    CHECK(outside, "gemm m=%d n=%d k=%d wrote outside C", m, n, k);
}

static void test_gemm() {
    int shapes[][3] = {{7, 13, 31}, {33, 65, 17}, {65, 33, 13}, {1, 13, 7}, {13, 1, 7}, {1, 1, 1}, {31, 7, 129},
                       {40, 3, 70}, {33, 33, 0}, {3, 2, 0}};
    for (int t = 0; t < 4; ++t)
        for (auto& s : shapes) {
            gemm_case(t & 1, t & 2, s[0], s[1], s[2], 1.25f, 0.f);
            gemm_case(t & 1, t & 2, s[0], s[1], s[2], -0.75f, 1.5f);
        }
}

// ---------------------------------------------------------------------------------------------
static void test_elementwise() {
    int shapes[][2] = {{1, 1}, {7, 13}, {33, 65}, {3, 1}};
    for (auto& s : shapes) {
        int rows = s[0], cols = s[1];
        long n = (long)rows * cols;
        for (int relu = 0; relu < 2; ++relu)
            for (int wb = 0; wb < 2; ++wb) {
                std::vector<float> h(n), bias(cols), out(n + 3, NAN);
                for (auto& x : h) x = gauss();
                h[0] = -0.f;
                for (auto& x : bias) x = gauss();
                std::fill(out.begin() + n, out.end(), SENT);
                emu_launch(bias_activation, dim3{grid_stride_blocks(n), 1, 1}, dim3{256, 1, 1}, 0, h.data(),
                           wb ? bias.data() : nullptr, out.data(), (long long)n, cols, relu);
                bool ok = true;
                for (long t = 0; t < n; ++t) {
                    float v = h[t] + (wb ? bias[t % cols] : 0.f);
                    float ref = (relu && v < 0.f) ? 0.f : v;
                    if (std::memcmp(&ref, &out[t], 4) != 0) ok = false;
                }
                for (long t = n; t < n + 3; ++t) ok = ok && out[t] == SENT;
                CHECK(ok, "bias_activation %dx%d relu=%d bias=%d", rows, cols, relu, wb);
                // The split form, in place on pre (a copy of h), against the two-call twin.
                std::vector<float> pre(h), out2(n + 3, NAN);
                std::fill(out2.begin() + n, out2.end(), SENT);
                emu_launch(bias_activation_split, dim3{grid_stride_blocks(n), 1, 1}, dim3{256, 1, 1}, 0, pre.data(),
                           wb ? bias.data() : nullptr, pre.data(), out2.data(), (long long)n, cols, relu);
                ok = true;
                for (long t = 0; t < n; ++t) {
                    float v = h[t] + (wb ? bias[t % cols] : 0.f);
                    float w = v + 0.f;
                    float ref = (relu && w < 0.f) ? 0.f : w;
                    if (std::memcmp(&v, &pre[t], 4) != 0 || std::memcmp(&ref, &out2[t], 4) != 0) ok = false;
                }
                for (long t = n; t < n + 3; ++t) ok = ok && out2[t] == SENT;
                CHECK(ok, "bias_activation_split %dx%d relu=%d bias=%d", rows, cols, relu, wb);
            }
        std::vector<float> pre(n), d(n), dp(n + 3, NAN);
        for (auto& x : pre) x = gauss();
        for (auto& x : d) x = gauss();
        std::fill(dp.begin() + n, dp.end(), SENT);
        emu_launch(relu_backward, dim3{grid_stride_blocks(n), 1, 1}, dim3{256, 1, 1}, 0, pre.data(), d.data(), dp.data(),
                   (long long)n);
        bool ok = true;
        for (long t = 0; t < n; ++t) ok = ok && dp[t] == (pre[t] > 0.f ? d[t] : 0.f);
        CHECK(ok && dp[n] == SENT, "relu_backward n=%ld", n);
    }
}

// ---------------------------------------------------------------------------------------------
static unsigned loss_blocks(long work) { return (unsigned)std::max(1L, std::min(1024L, (work + 255) / 256)); }

static void loss_case(int kind, int rows, int outputs) {
    long n = kind == 1 ? rows : (long)rows * outputs;
    std::vector<float> out(n), target(kind == 0 ? n : rows), grad(n + 3, NAN);
    std::fill(grad.begin() + n, grad.end(), SENT);
    for (auto& x : out) x = 3 * gauss();
    if (rows >= 4) { out[0] = 80; out[n - 1] = -500; }
    for (auto& y : target) y = kind == 0 ? gauss() : kind == 1 ? (float)uni(2) : (float)uni(outputs);
    float weight = 1.7f, scale = weight / rows;
    unsigned blocks = loss_blocks(kind == 0 ? n : rows);
    std::vector<double> partial(blocks, NAN), result(1, NAN);
    if (kind == 0)
        emu_launch(loss_squared, dim3{blocks, 1, 1}, dim3{256, 1, 1}, 0, out.data(), target.data(), grad.data(),
                   (long long)n, scale, partial.data());
    else if (kind == 1)
        emu_launch(loss_logistic, dim3{blocks, 1, 1}, dim3{256, 1, 1}, 0, out.data(), target.data(), grad.data(), rows,
                   scale, partial.data());
    else
        emu_launch(loss_softmax, dim3{blocks, 1, 1}, dim3{256, 1, 1}, 0, out.data(), target.data(), grad.data(), rows,
                   outputs, scale, partial.data());
    emu_launch(reduce_partials, dim3{1, 1, 1}, dim3{256, 1, 1}, 0, partial.data(), (int)blocks, result.data());
    absorb(result);
    absorb(grad);
    // The twin (LossKernels.java), transcribed.
    double total = 0;
    std::vector<float> g(n);
    if (kind == 0) {
        for (long i = 0; i < n; ++i) { float r = out[i] - target[i]; total += 0.5 * (double)r * r; g[i] = scale * r; }
    } else if (kind == 1) {
        for (int i = 0; i < rows; ++i) {
            float z = out[i], y = target[i];
            total += (double)std::max(z, 0.f) - (double)y * z + std::log1p(std::exp(-std::fabs((double)z)));
            float sg = z >= 0 ? 1.f / (1.f + (float)std::exp(-(double)z)) : (float)(std::exp((double)z) / (1.0 + std::exp((double)z)));
            g[i] = scale * (sg - y);
        }
    } else {
        for (int i = 0; i < rows; ++i) {
            const float* o = &out[(size_t)i * outputs];
            float mx = -INFINITY;
            for (int j = 0; j < outputs; ++j) mx = std::max(mx, o[j]);
            double sum = 0;
            for (int j = 0; j < outputs; ++j) sum += std::exp((double)(o[j] - mx));
            int cls = (int)target[i];
            total += std::log(sum) - (double)(o[cls] - mx);
            for (int j = 0; j < outputs; ++j) {
                float pj = (float)(std::exp((double)(o[j] - mx)) / sum);
                g[(size_t)i * outputs + j] = scale * (pj - (j == cls ? 1.f : 0.f));
            }
        }
    }
    CHECK(std::fabs(result[0] - total) <= 1e-12 * std::fabs(total), "loss kind=%d rows=%d outputs=%d: %.17g vs %.17g",
          kind, rows, outputs, result[0], total);
    bool ok = true;
    for (long i = 0; i < n; ++i) ok = ok && std::memcmp(&g[i], &grad[i], 4) == 0;
    CHECK(ok && grad[n] == SENT, "loss kind=%d rows=%d outputs=%d: gradient differs from the twin", kind, rows, outputs);
}

static void test_losses() {
    for (int rows : {1, 7, 33, 300, 70001}) {
        loss_case(0, rows, 3);
        loss_case(1, rows, 1);
        loss_case(2, rows, 2);
        loss_case(2, rows, 7);
    }
}

// ---------------------------------------------------------------------------------------------
static void test_reductions() {
    int shapes[][2] = {{1, 1}, {1, 31}, {31, 1}, {7, 13}, {65, 33}, {257, 7}, {0, 3}};
    for (auto& s : shapes)
        for (int acc = 0; acc < 2; ++acc) {
            int rows = s[0], cols = s[1];
            std::vector<float> a((size_t)rows * cols + 1), out(cols + 3), init(cols);
            for (auto& x : a) x = gauss();
            for (auto& x : init) x = gauss();
            for (int j = 0; j < cols; ++j) out[j] = acc ? init[j] : NAN;
            std::fill(out.begin() + cols, out.end(), SENT);
            emu_launch(column_sums, dim3{ceil_div(cols, 32), 1, 1}, dim3{32, 8, 1}, 0, a.data(), rows, cols, out.data(), acc);
            bool ok = out[cols] == SENT;
            for (int j = 0; j < cols; ++j) {
                double ref = acc ? init[j] : 0, abs = acc ? std::fabs(init[j]) : 0;
                for (int i = 0; i < rows; ++i) { ref += a[(size_t)i * cols + j]; abs += std::fabs(a[(size_t)i * cols + j]); }
                ok = ok && std::fabs(out[j] - ref) <= 1e-6 * (rows + 1) * abs;
            }
            CHECK(ok, "column_sums %dx%d accumulate=%d", rows, cols, acc);
        }
    for (int cols : {1, 7, 33}) {
        int srcRows = 41, count = 29;
        std::vector<float> src((size_t)srcRows * cols), dst((size_t)count * cols + 3, NAN);
        std::fill(dst.end() - 3, dst.end(), SENT);
        for (auto& x : src) x = gauss();
        std::vector<int> idx(count);
        for (auto& i : idx) i = uni(srcRows);
        emu_launch(gather_rows, dim3{grid_stride_blocks((long)count * cols), 1, 1}, dim3{256, 1, 1}, 0, src.data(), cols,
                   idx.data(), count, dst.data());
        bool ok = dst[(size_t)count * cols] == SENT;
        for (int i = 0; i < count; ++i)
            for (int j = 0; j < cols; ++j) ok = ok && dst[(size_t)i * cols + j] == src[(size_t)idx[i] * cols + j];
        CHECK(ok, "gather_rows cols=%d", cols);
    }
}

// ---------------------------------------------------------------------------------------------
static void test_gram() {
    int shapes[][2] = {{1, 1}, {1, 7}, {7, 1}, {5, 13}, {13, 31}, {31, 65}, {65, 33}, {200, 31}, {100, 97}};
    for (auto& s : shapes)
        for (int center = 0; center < 2; ++center) {
            int m = s[0], d = s[1];
            std::vector<float> x((size_t)m * d);
            std::vector<double> off(d);
            for (auto& o : off) o = center ? 1e3 * (1 + gauss()) : 2 * gauss();
            for (size_t i = 0; i < x.size(); ++i) x[i] = (float)(off[i % d] + gauss());
            std::vector<double> mean(d, NAN);
            std::vector<float> c((size_t)d * d + 3, NAN);
            std::fill(c.end() - 3, c.end(), SENT);
            if (center)
                emu_launch(column_means_f64, dim3{ceil_div(d, 32), 1, 1}, dim3{32, 8, 1}, 0, x.data(), m, d, mean.data());
            long tiles = ceil_div(d, 32);
            emu_launch(gram_lower, dim3{(unsigned)(tiles * (tiles + 1) / 2), 1, 1}, dim3{32, 8, 1}, 0, x.data(), m, d,
                       center ? mean.data() : nullptr, c.data());
            absorb(c);
            std::vector<double> mu(d, 0.0);
            if (center) {
                for (int i = 0; i < m; ++i) for (int j = 0; j < d; ++j) mu[j] += x[(size_t)i * d + j];
                for (auto& v : mu) v /= m;
            }
            std::vector<double> ref((size_t)d * d, 0.0);
            for (int r = 0; r < m; ++r)
                for (int i = 0; i < d; ++i)
                    for (int j = 0; j < d; ++j)
                        ref[(size_t)i * d + j] += (x[(size_t)r * d + i] - mu[i]) * (x[(size_t)r * d + j] - mu[j]);
            double maxDiag = 0;
            for (int j = 0; j < d; ++j) maxDiag = std::max(maxDiag, ref[(size_t)j * d + j]);
            bool ok = c[(size_t)d * d] == SENT, sym = true;
            double worst = 0;
            for (int i = 0; i < d; ++i)
                for (int j = 0; j < d; ++j) {
                    double e = std::fabs(c[(size_t)i * d + j] - ref[(size_t)i * d + j]);
                    worst = std::max(worst, std::isnan(c[(size_t)i * d + j]) ? 1e300 : e);
                    sym = sym && std::memcmp(&c[(size_t)i * d + j], &c[(size_t)j * d + i], 4) == 0;
                }
            ok = ok && worst <= 1e-6 * maxDiag + 1e-30;  // float64 accumulation: far inside the contract's 1e-5 m
            CHECK(ok && sym, "gram %dx%d center=%d: worst %.3g (max diag %.3g) symmetric=%d", m, d, center, worst, maxDiag, sym);
        }
}

// ---------------------------------------------------------------------------------------------
static void test_optimizers() {
    for (long n : {1L, 7L, 33L, 1031L}) {
        std::vector<float> p(n), v(n), g(n), p2, v2;
        for (auto& x : p) x = gauss();
        for (auto& x : v) x = gauss();
        p2 = p;
        v2 = v;
        float lr = 0.05f, mu = 0.9f, wd = 0.01f;
        for (int step = 0; step < 5; ++step) {
            for (auto& x : g) x = gauss();
            emu_launch(sgd_momentum, dim3{grid_stride_blocks(n), 1, 1}, dim3{256, 1, 1}, 0, p.data(), g.data(), v.data(),
                       (long long)n, lr, mu, wd);
            for (long i = 0; i < n; ++i) { float vi = mu * v2[i] + g[i] + wd * p2[i]; v2[i] = vi; p2[i] -= lr * vi; }
        }
        CHECK(std::memcmp(p.data(), p2.data(), 4 * n) == 0 && std::memcmp(v.data(), v2.data(), 4 * n) == 0,
              "sgd_momentum n=%ld differs from the twin", n);
        std::vector<float> m(n, 0.f), pa(n), ma(n, 0.f), va(n, 0.f), vv(n, 0.f);
        for (auto& x : pa) x = gauss();
        std::vector<float> pb = pa;
        float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wdA = 0.1f, lrA = 0.01f;
        for (int t = 1; t <= 6; ++t) {
            for (auto& x : g) x = gauss();
            double c1 = 1.0 - std::pow((double)b1, t), c2 = 1.0 - std::pow((double)b2, t);
            float stepSize = (float)(lrA * std::sqrt(c2) / c1), epsHat = (float)(eps * std::sqrt(c2));
            emu_launch(adam, dim3{grid_stride_blocks(n), 1, 1}, dim3{256, 1, 1}, 0, pa.data(), g.data(), ma.data(),
                       va.data(), (long long)n, lrA, b1, b2, stepSize, epsHat, wdA);
            for (long i = 0; i < n; ++i) {
                float gi = g[i];
                float mi = b1 * m[i] + (1.f - b1) * gi;
                float vi = b2 * vv[i] + (1.f - b2) * gi * gi;
                m[i] = mi;
                vv[i] = vi;
                pb[i] -= stepSize * mi / ((float)std::sqrt((double)vi) + epsHat) + lrA * wdA * pb[i];
            }
        }
        CHECK(std::memcmp(pa.data(), pb.data(), 4 * n) == 0 && std::memcmp(ma.data(), m.data(), 4 * n) == 0 &&
                  std::memcmp(va.data(), vv.data(), 4 * n) == 0,
              "adam n=%ld differs from the twin", n);
    }
}

// ---------------------------------------------------------------------------------------------
static int jacobi_threads(int n) { return 32 * std::max(1, std::min((n + 1) / 2, 16)); }

static double orthonormality(const float* x, int rows, int ld, int cols) {
    double worst = 0;
    for (int j = 0; j < cols; ++j)
        for (int l = j; l < cols; ++l) {
            double dot = 0;
            for (int i = 0; i < rows; ++i) dot += (double)x[(size_t)i * ld + j] * x[(size_t)i * ld + l];
            worst = std::max(worst, std::fabs(dot - (j == l)));
        }
    return worst;
}

static bool sign_ok(const float* x, int rows, int ld, int cols) {
    for (int j = 0; j < cols; ++j) {
        int best = 0;
        for (int i = 1; i < rows; ++i)
            if (std::fabs(x[(size_t)i * ld + j]) > std::fabs(x[(size_t)best * ld + j])) best = i;
        if (!(x[(size_t)best * ld + j] > 0.f)) return false;
    }
    return true;
}

static void svd_case(const std::vector<float>& a, int batch, int m, int n, const char* what, bool force_global = false) {
    int p = std::min(m, n), M = std::max(m, n), N = p;
    bool trans = m < n;
    std::vector<float> u((size_t)batch * m * p + 3, NAN), s((size_t)batch * p + 3, NAN), v((size_t)batch * n * p + 3, NAN);
    std::fill(u.end() - 3, u.end(), SENT);
    std::fill(s.end() - 3, s.end(), SENT);
    std::fill(v.end() - 3, v.end(), SENT);
    std::vector<int> info(batch, -1);
    long shared = ((long)M * N + (long)N * N + N) * 8 + (long)N * 4;
    bool useShared = !force_global && N <= 32 && shared <= 46 * 1024;
    if (useShared) {
        emu_launch(svd_jacobi_shared, dim3{(unsigned)batch, 1, 1}, dim3{(unsigned)jacobi_threads(N), 1, 1}, shared, a.data(),
                   m, n, trans ? 1 : 0, u.data(), s.data(), v.data(), info.data(), 60);
    } else {
        long stride = (long)M * N + (long)N * N + N + (N + 1) / 2;
        std::vector<double> work(stride * batch, NAN);
        emu_launch(svd_jacobi_global, dim3{(unsigned)batch, 1, 1}, dim3{(unsigned)jacobi_threads(N), 1, 1}, 0, a.data(), m,
                   n, trans ? 1 : 0, u.data(), s.data(), v.data(), info.data(), 60, work.data(), (long long)stride);
    }
    absorb(u);
    absorb(s);
    absorb(v);
    absorb(info);
    CHECK(u[(size_t)batch * m * p] == SENT && s[(size_t)batch * p] == SENT && v[(size_t)batch * n * p] == SENT,
          "svd %s %dx%d: wrote past a region", what, m, n);
    for (int b = 0; b < batch; ++b) {
        const float* A = &a[(size_t)b * m * n];
        const float* U = &u[(size_t)b * m * p];
        const float* S = &s[(size_t)b * p];
        const float* V = &v[(size_t)b * n * p];
        bool finite = true, desc = true;
        for (size_t i = 0; i < (size_t)m * p; ++i) finite = finite && std::isfinite(U[i]);
        for (size_t i = 0; i < (size_t)n * p; ++i) finite = finite && std::isfinite(V[i]);
        for (int j = 0; j < p; ++j) desc = desc && std::isfinite(S[j]) && S[j] >= 0 && (j == 0 || S[j - 1] >= S[j]);
        double res = 0, nrm = 0;
        for (int i = 0; i < m; ++i)
            for (int k = 0; k < n; ++k) {
                double x = 0;
                for (int j = 0; j < p; ++j) x += (double)U[(size_t)i * p + j] * S[j] * V[(size_t)k * p + j];
                double e = A[(size_t)i * n + k] - x;
                res += e * e;
                nrm += (double)A[(size_t)i * n + k] * A[(size_t)i * n + k];
            }
        res = std::sqrt(res);
        nrm = std::sqrt(nrm);
        double sTol = 30 * EPS * M * S[0];
        int rank = 0;
        while (rank < p && S[rank] > sTol) ++rank;
        double ou = orthonormality(U, m, p, rank), ov = orthonormality(V, n, p, rank);
        bool sign = sign_ok(U, m, p, rank);
        bool recon = nrm == 0 ? res == 0 : res / (nrm * M) <= 30 * EPS;
        CHECK(finite && desc && recon && ou <= 30 * EPS * M && ov <= 30 * EPS * M && sign && info[b] >= 0 && info[b] < 60,
              "svd %s %dx%d %s matrix %d: finite=%d desc=%d residual %.3g eps*max(m,n)*|A| ortho U %.3g V %.3g (x eps*M) "
              "sign=%d sweeps=%d",
              what, m, n, useShared ? "shared" : "global", b, finite, desc, nrm == 0 ? res : res / nrm / EPS / M, ou / EPS / M,
              ov / EPS / M, sign, info[b]);
        // Full orthonormality (beyond the numerical rank) holds for Jacobi except for exact zero columns.
        (void)rank;
    }
}

static std::vector<float> gaussians(size_t n) {
    std::vector<float> x(n);
    for (auto& e : x) e = gauss();
    return x;
}

static std::vector<float> low_rank(int m, int n, int r) {
    auto l = gaussians((size_t)m * r), rt = gaussians((size_t)r * n);
    std::vector<float> a((size_t)m * n);
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            double x = 0;
            for (int k = 0; k < r; ++k) x += (double)l[(size_t)i * r + k] * rt[(size_t)k * n + j];
            a[(size_t)i * n + j] = (float)x;
        }
    return a;
}

static void test_svd() {
    for (int n = 1; n <= 12; ++n) svd_case(gaussians((size_t)n * n), 1, n, n, "square");
    int shapes[][2] = {{1, 13}, {13, 1}, {2, 2}, {67, 13}, {13, 67}, {31, 31}, {33, 33}, {40, 25}, {25, 40}, {100, 7}};
    for (auto& sh : shapes) svd_case(gaussians((size_t)sh[0] * sh[1]), 1, sh[0], sh[1], "random");
    svd_case(gaussians(20 * 9), 1, 20, 9, "random forced global", true);
    svd_case(gaussians(9 * 20), 1, 9, 20, "random forced global wide", true);
    for (auto& sh : std::vector<std::pair<int, int>>{{40, 25}, {25, 40}, {33, 33}, {67, 13}})
        svd_case(low_rank(sh.first, sh.second, 3), 1, sh.first, sh.second, "rank 3");
    svd_case(low_rank(30, 30, 3), 1, 30, 30, "rank 3 forced global", true);
    for (auto& sh : std::vector<std::pair<int, int>>{{1, 1}, {5, 3}, {3, 5}, {7, 7}})
        svd_case(std::vector<float>((size_t)sh.first * sh.second, 0.f), 1, sh.first, sh.second, "zero");
    {
        auto a = gaussians(33 * 9);
        for (int i = 0; i < 33; ++i) a[(size_t)i * 9 + 2] = a[(size_t)i * 9 + 7] = 0.f;
        svd_case(a, 1, 33, 9, "two zero columns");
    }
    {
        int m = 33, n = 7, mn = m * n;
        std::vector<float> a(5 * mn, 0.f);
        auto g = gaussians(mn), big = gaussians(mn), small = gaussians(mn), lr = low_rank(m, n, 2);
        for (int i = 0; i < mn; ++i) { a[i] = g[i]; a[mn + i] = 1e3f * big[i]; a[2 * mn + i] = lr[i]; a[4 * mn + i] = 1e-3f * small[i]; }
        svd_case(a, 5, m, n, "batch of 5");
        std::vector<float> w(3 * mn);
        auto w0 = gaussians(mn), w1 = low_rank(n, m, 3), w2 = gaussians(mn);
        for (int i = 0; i < mn; ++i) { w[i] = w0[i]; w[mn + i] = w1[i]; w[2 * mn + i] = w2[i]; }
        svd_case(w, 3, n, m, "batch of 3 wide");
        svd_case(a, 5, m, n, "batch of 5 forced global", true);
    }
}

// ---------------------------------------------------------------------------------------------
static void eig_case(const std::vector<float>& full, int n, const char* what, bool force_global = false) {
    std::vector<float> in = full;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < i; ++j) in[(size_t)i * n + j] = (i + j) % 2 ? NAN : 1e6f * gauss();
    std::vector<float> w(n + 3, NAN), vec((size_t)n * n + 3, NAN);
    std::fill(w.end() - 3, w.end(), SENT);
    std::fill(vec.end() - 3, vec.end(), SENT);
    std::vector<int> info(1, -1);
    long pairs = (n + 1) / 2;
    long shared = (2L * n * n + 2 * pairs + n) * 8 + (pairs + n) * 4;
    int threads = n <= 32 ? 128 : n <= 128 ? 256 : 512;
    bool useShared = !force_global && n <= 32 && shared <= 46 * 1024;
    if (useShared) {
        emu_launch(sym_eig_jacobi_shared, dim3{1, 1, 1}, dim3{(unsigned)threads, 1, 1}, shared, in.data(), n, w.data(),
                   vec.data(), info.data(), 60);
    } else {
        long stride = 2L * n * n + 2 * pairs + n + (pairs + n + 1) / 2;
        std::vector<double> work(stride, NAN);
        emu_launch(sym_eig_jacobi_global, dim3{1, 1, 1}, dim3{(unsigned)threads, 1, 1}, 0, in.data(), n, w.data(),
                   vec.data(), info.data(), 60, work.data(), (long long)stride);
    }
    absorb(w);
    absorb(vec);
    absorb(info);
    bool ok = w[n] == SENT && vec[(size_t)n * n] == SENT;
    double wMax = 0;
    for (int k = 0; k < n; ++k) {
        ok = ok && std::isfinite(w[k]) && (k == 0 || w[k - 1] >= w[k]);
        wMax = std::max(wMax, (double)std::fabs(w[k]));
    }
    double res = 0;
    for (int k = 0; k < n; ++k)
        for (int i = 0; i < n; ++i) {
            double av = 0;
            for (int j = 0; j < n; ++j) av += (double)full[(size_t)i * n + j] * vec[(size_t)j * n + k];
            res = std::max(res, std::fabs(av - (double)w[k] * vec[(size_t)i * n + k]));
        }
    double o = orthonormality(vec.data(), n, n, n);
    bool sign = sign_ok(vec.data(), n, n, n);
    // the trace is the sum of the eigenvalues
    double tr = 0, sw = 0;
    for (int i = 0; i < n; ++i) { tr += full[(size_t)i * n + i]; sw += w[i]; }
    bool trace = std::fabs(tr - sw) <= 30 * EPS * n * std::max(wMax, 1e-30);
    CHECK(ok && res <= 30 * EPS * n * wMax + 1e-30 && o <= 30 * EPS * n && sign && trace && info[0] >= 0 && info[0] < 60,
          "eigen %s n=%d %s: ok=%d residual %.3g (x eps n max|w|) ortho %.3g (x eps n) sign=%d trace=%d sweeps=%d", what, n,
          useShared ? "shared" : "global", ok, res / (EPS * n * std::max(wMax, 1e-30)), o / (EPS * n), sign, trace, info[0]);
}

static void test_eigen() {
    for (int n : {1, 2, 3, 7, 16, 32, 33, 45}) {
        std::vector<float> a((size_t)n * n);
        for (int i = 0; i < n; ++i)
            for (int j = i; j < n; ++j) a[(size_t)i * n + j] = a[(size_t)j * n + i] = gauss();
        eig_case(a, n, "random symmetric");
        if (n <= 16) eig_case(a, n, "random symmetric forced global", true);
        int r = std::max(1, n / 6);
        auto x = gaussians((size_t)r * n);
        std::vector<float> g((size_t)n * n);
        for (int i = 0; i < n; ++i)
            for (int j = i; j < n; ++j) {
                double d = 0;
                for (int k = 0; k < r; ++k) d += (double)x[(size_t)k * n + i] * x[(size_t)k * n + j];
                g[(size_t)i * n + j] = g[(size_t)j * n + i] = (float)d;
            }
        eig_case(g, n, "rank-deficient Gram");
    }
    std::vector<float> z(25, 0.f);
    eig_case(z, 5, "zero");
    std::vector<float> id(36, 0.f);
    for (int i = 0; i < 6; ++i) id[i * 6 + i] = 1.f;
    id[1] = id[6] = 1e-30f;
    eig_case(id, 6, "identity with a tiny off-diagonal");
}

// NaN input: every output position must still be written (the ranks of the sort must be a
// permutation even with NaN keys), so outputs are poisoned with a finite marker, not NaN.
static void test_nan() {
    const float MARK = 12345.5f;
    for (bool global : {false, true}) {
        int m = 9, n = 5, p = 5;
        auto a = gaussians((size_t)m * n);
        a[7] = NAN;
        std::vector<float> u((size_t)m * p, MARK), s(p, MARK), v((size_t)n * p, MARK);
        std::vector<int> info(1, -1);
        if (!global) {
            long shared = ((long)m * n + (long)n * n + n) * 8 + (long)n * 4;
            emu_launch(svd_jacobi_shared, dim3{1, 1, 1}, dim3{(unsigned)jacobi_threads(n), 1, 1}, shared, a.data(), m, n, 0,
                       u.data(), s.data(), v.data(), info.data(), 60);
        } else {
            long stride = (long)m * n + (long)n * n + n + (n + 1) / 2;
            std::vector<double> work(stride, NAN);
            emu_launch(svd_jacobi_global, dim3{1, 1, 1}, dim3{(unsigned)jacobi_threads(n), 1, 1}, 0, a.data(), m, n, 0,
                       u.data(), s.data(), v.data(), info.data(), 60, work.data(), (long long)stride);
        }
        bool written = true;
        for (float x : u) written = written && x != MARK;
        for (float x : s) written = written && x != MARK;
        for (float x : v) written = written && x != MARK;
        CHECK(written, "svd %s with a NaN entry: some outputs were never written", global ? "global" : "shared");
    }
    int n = 6;
    std::vector<float> a((size_t)n * n);
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j) a[(size_t)i * n + j] = a[(size_t)j * n + i] = gauss();
    a[1] = NAN;
    std::vector<float> w(n, MARK), vec((size_t)n * n, MARK);
    std::vector<int> info(1, -1);
    long pairs = (n + 1) / 2;
    emu_launch(sym_eig_jacobi_shared, dim3{1, 1, 1}, dim3{128, 1, 1}, (2L * n * n + 2 * pairs + n) * 8 + (pairs + n) * 4,
               a.data(), n, w.data(), vec.data(), info.data(), 60);
    bool written = true;
    for (float x : w) written = written && x != MARK;
    for (float x : vec) written = written && x != MARK;
    CHECK(written, "eigen with a NaN entry: some outputs were never written");
}

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    uint64_t seed = argc > 1 ? std::stoull(argv[1]) : std::random_device{}();
    const char* only = argc > 2 ? argv[2] : nullptr;  // run one test by name
    rng.seed(seed);
    std::printf("emu_check seed %llu\n", (unsigned long long)seed);
    struct { const char* name; void (*fn)(); } tests[] = {
        {"gemm", test_gemm},       {"elementwise", test_elementwise}, {"losses", test_losses}, {"reductions", test_reductions},
        {"gram", test_gram},       {"optimizers", test_optimizers},   {"svd", test_svd},       {"eigen", test_eigen},
        {"nan", test_nan},
    };
    for (auto& t : tests) {
        if (only != nullptr && std::string(only) != t.name) {
            continue;
        }
        int before = failures;
        int c0 = checks;
        t.fn();
        std::printf("%-12s %s (%d checks)\n", t.name, failures == before ? "ok" : "FAILED", checks - c0);
        std::fflush(stdout);
    }
    std::printf("%d checks, %d failures (seed %llu)\n", checks, failures, (unsigned long long)seed);
    std::printf("digest %016llx\n", (unsigned long long)digest);
    return failures ? 1 : 0;
}
