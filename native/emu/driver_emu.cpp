// An emulated CUDA driver: a libcuda.so.1 that implements the driver-API calls mtl-align makes
// (through JCuda's libJCudaDriver) on the CPU, running the real native/*.cu kernels through
// cuda_emu.h. With it on LD_LIBRARY_PATH the Java CUDA backend -- JCuda marshalling, launch
// arguments and offsets, the device pool, pinned staging, the resident sessions -- runs end to
// end on a machine without a GPU (emu/driver.sh builds it and runs the GPU-tagged tests).
//
// What it is not: a GPU. "Device" memory is host memory (new allocations are filled with NaN,
// as real device memory holds garbage), launches run one at a time, blocks one after another,
// every CUDA thread a fiber. Asynchronous calls (copies, memsets, launches) are queued and run
// only when something waits for them (a stream, context or event synchronisation, or a call
// that synchronises implicitly, such as cuMemFree), as late as a GPU may run them: a host that
// reads a download before waiting, or refills a pinned buffer whose upload has not run, sees
// the wrong data here as it would on a GPU. Fatbin images are accepted and ignored:
// kernels are found by name. Only the calls the project makes exist; libJCudaDriver binds
// lazily, so any other call fails with "undefined symbol" instead of doing something wrong.
#include "cuda_emu.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kernels_emu.inc"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef int CUdevice;
typedef void* CUcontext;
typedef void* CUstream;
typedef void* CUmodule;
typedef void* CUfunction;
typedef void* CUevent;

enum {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_LAUNCH_FAILED = 719,
};

namespace {

const size_t kTotalMemory = 8ull << 30;  // what the emulated device reports and allows
std::mutex g_mutex;                      // one driver call at a time (launches use globals)
std::map<uintptr_t, size_t> g_device;    // live device allocations
std::map<uintptr_t, size_t> g_host;      // live pinned allocations
size_t g_used = 0;
bool g_init = false;
int g_context_token = 0;
int g_stream_token = 0;
int g_module_token = 0;

// MTL_EMU_SKIP_KERNELS=1: launches are checked and then do nothing, so a run measures what the
// host side costs (Java, JCuda's marshalling, the driver-call sequence) without the kernels.
// A GPU's own driver adds its launch cost on top; this is the floor the Java side sets.
bool skip_kernels() {
    static const bool skip = [] {
        const char* v = std::getenv("MTL_EMU_SKIP_KERNELS");
        return v != nullptr && std::string(v) == "1";
    }();
    return skip;
}

template <typename T>
T arg(void** p, size_t i) {
    T v;
    std::memcpy(&v, p[i], sizeof(T));
    return v;
}

// One entry per kernel, built from the kernel's own signature: the launch unpacks each argument
// with the parameter's type, and the parameter sizes give the layout a packed argument buffer
// (CU_LAUNCH_PARAM_BUFFER_POINTER) must have. Deduced, not restated, so they cannot drift.
struct Kernel {
    void (*run)(const void* kernel, dim3 grid, dim3 block, size_t smem, void** p);
    const void* kernel;
    std::vector<size_t> sizes;  // the parameters' sizes, in order (each aligned to its size)
};

template <typename... P, size_t... I>
void run_unpacked(void (*k)(P...), dim3 g, dim3 b, size_t s, void** p, std::index_sequence<I...>) {
    emu_launch(k, g, b, s, arg<P>(p, I)...);
}

template <typename... P>
Kernel kernel_entry(void (*k)(P...)) {
    static_assert(((sizeof(P) == alignof(P)) && ...), "kernel parameters are scalars or pointers");
    return Kernel{[](const void* f, dim3 g, dim3 b, size_t s, void** p) {
                      run_unpacked(reinterpret_cast<void (*)(P...)>(const_cast<void*>(f)), g, b, s, p,
                                   std::index_sequence_for<P...>{});
                  },
                  reinterpret_cast<const void*>(k), {sizeof(P)...}};
}

#define K(name) {#name, kernel_entry(name)}
const std::map<std::string, Kernel>& kernels() {
    static const std::map<std::string, Kernel> table = {
        K(sgemm_nn),
        K(sgemm_tn),
        K(sgemm_nt),
        K(sgemm_tt),
        K(bias_activation),
        K(bias_activation_split),
        K(relu_backward),
        K(loss_squared),
        K(loss_logistic),
        K(loss_softmax),
        K(reduce_partials),
        K(column_sums),
        K(gather_rows),
        K(column_means_f64),
        K(gram_lower),
        K(sgd_momentum),
        K(adam),
        K(svd_jacobi_shared),
        K(svd_jacobi_global),
        K(sym_eig_jacobi_shared),
        K(sym_eig_jacobi_global),
    };
    return table;
}
#undef K

// A device address range [p, p + n) must lie inside one live allocation: the emulator's memcheck.
bool inside(uintptr_t p, size_t n) {
    auto it = g_device.upper_bound(p);
    if (it == g_device.begin()) {
        return false;
    }
    --it;
    return p >= it->first && p + n <= it->first + it->second;
}

CUresult fail(const char* what, CUresult r) {
    std::fprintf(stderr, "[cuda-emu] %s -> error %d\n", what, r);
    return r;
}

// The work queued on the streams, in order (every stream of the process shares the one queue,
// which orders more than a GPU would, never less), with the number of operations queued so far;
// an event records that number. Guarded by g_mutex.
std::deque<std::function<void()>> g_queue;
unsigned long long g_queued = 0;
unsigned long long g_done = 0;

void enqueue(std::function<void()> op) {
    g_queue.push_back(std::move(op));
    ++g_queued;
}

// Runs the queued work up to operation `upto` (all of it by default). Caller holds g_mutex.
void drain(unsigned long long upto = ~0ull) {
    while (!g_queue.empty() && g_done < upto) {
        std::function<void()> op = std::move(g_queue.front());
        g_queue.pop_front();
        op();
        ++g_done;
    }
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned) {
    g_init = true;
    return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* v) {
    *v = 13000;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) {
    *n = 1;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
    if (ordinal != 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *d = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice) {
    std::snprintf(name, len, "mtl-align CUDA emulator (CPU)");
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* v, int attribute, CUdevice) {
    switch (attribute) {
        case 75: *v = 9; break;             // compute capability major
        case 76: *v = 0; break;             // minor
        case 1: *v = 1024; break;           // max threads per block
        case 8: *v = 48 * 1024; break;      // max shared memory per block
        case 16: *v = 4; break;             // multiprocessors
        default: *v = 0; break;
    }
    return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice) {
    *bytes = kTotalMemory;
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice) {
    *c = &g_context_token;
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) {
    std::lock_guard<std::mutex> lock(g_mutex);
    drain();
    return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }

CUresult cuCtxSynchronize() {
    std::lock_guard<std::mutex> lock(g_mutex);
    drain();
    return CUDA_SUCCESS;
}

CUresult cuStreamCreate(CUstream* s, unsigned) {
    *s = &g_stream_token;
    return CUDA_SUCCESS;
}

// A destroyed stream's work still completes; nothing waits for it here, so it runs now.
CUresult cuStreamDestroy_v2(CUstream) {
    std::lock_guard<std::mutex> lock(g_mutex);
    drain();
    return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream) {
    std::lock_guard<std::mutex> lock(g_mutex);
    drain();
    return CUDA_SUCCESS;
}

CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
    std::lock_guard<std::mutex> lock(g_mutex);
    *free_bytes = kTotalMemory - g_used;
    *total = kTotalMemory;
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (bytes == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (bytes > kTotalMemory - g_used) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    void* m = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (m == nullptr) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    // Real device memory starts as garbage: NaN everywhere, so unwritten reads show. Without
    // kernels (skip mode, below) nothing would ever overwrite it, so it starts as zeros there.
    if (skip_kernels()) {
        std::memset(m, 0, bytes);
    } else {
        uint32_t nan = 0x7fc00000u;
        for (size_t i = 0; i + 4 <= bytes; i += 4) {
            std::memcpy((char*)m + i, &nan, 4);
        }
    }
    g_device[(uintptr_t)m] = bytes;
    g_used += bytes;
    *p = (CUdeviceptr)(uintptr_t)m;
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    std::lock_guard<std::mutex> lock(g_mutex);
    drain();  // cuMemFree synchronises: queued work may still use the memory
    auto it = g_device.find((uintptr_t)p);
    if (it == g_device.end()) {
        return fail("cuMemFree of an address that is not a live allocation", CUDA_ERROR_INVALID_VALUE);
    }
    g_used -= it->second;
    g_device.erase(it);
    std::free((void*)(uintptr_t)p);
    return CUDA_SUCCESS;
}

CUresult cuMemAllocHost_v2(void** p, size_t bytes) {
    std::lock_guard<std::mutex> lock(g_mutex);
    void* m = std::aligned_alloc(256, (std::max<size_t>(bytes, 1) + 255) / 256 * 256);
    if (m == nullptr) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    g_host[(uintptr_t)m] = bytes;
    *p = m;
    return CUDA_SUCCESS;
}

CUresult cuMemFreeHost(void* p) {
    std::lock_guard<std::mutex> lock(g_mutex);
    drain();  // as cuMemFree
    if (g_host.erase((uintptr_t)p) == 0) {
        return fail("cuMemFreeHost of an address that is not pinned memory", CUDA_ERROR_INVALID_VALUE);
    }
    std::free(p);
    return CUDA_SUCCESS;
}

CUresult cuMemHostRegister_v2(void*, size_t, unsigned) { return CUDA_SUCCESS; }
CUresult cuMemHostUnregister(void*) { return CUDA_SUCCESS; }

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t n, CUstream) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!inside((uintptr_t)dst, n)) {
        return fail("cuMemcpyHtoDAsync outside a device allocation", CUDA_ERROR_INVALID_VALUE);
    }
    enqueue([=] { std::memcpy((void*)(uintptr_t)dst, src, n); });
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t n, CUstream) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!inside((uintptr_t)src, n)) {
        return fail("cuMemcpyDtoHAsync outside a device allocation", CUDA_ERROR_INVALID_VALUE);
    }
    enqueue([=] { std::memcpy(dst, (const void*)(uintptr_t)src, n); });
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!inside((uintptr_t)dst, n) || !inside((uintptr_t)src, n)) {
        return fail("cuMemcpyDtoDAsync outside a device allocation", CUDA_ERROR_INVALID_VALUE);
    }
    enqueue([=] { std::memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, n); });
    return CUDA_SUCCESS;
}

CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t n, CUstream) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!inside((uintptr_t)dst, 4 * n)) {
        return fail("cuMemsetD32Async outside a device allocation", CUDA_ERROR_INVALID_VALUE);
    }
    enqueue([=] {
        uint32_t* d = (uint32_t*)(uintptr_t)dst;
        for (size_t i = 0; i < n; ++i) {
            d[i] = value;
        }
    });
    return CUDA_SUCCESS;
}

// An event holds the number of operations queued when it was recorded; waiting for it runs
// those (and no later ones). A fresh event counts as done.
CUresult cuEventCreate(CUevent* e, unsigned) {
    *e = new unsigned long long(0);
    return CUDA_SUCCESS;
}

CUresult cuEventRecord(CUevent e, CUstream) {
    if (e == nullptr) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    *static_cast<unsigned long long*>(e) = g_queued;
    return CUDA_SUCCESS;
}

CUresult cuEventSynchronize(CUevent e) {
    if (e == nullptr) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    drain(*static_cast<unsigned long long*>(e));
    return CUDA_SUCCESS;
}

CUresult cuEventDestroy_v2(CUevent e) {
    delete static_cast<unsigned long long*>(e);
    return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(CUmodule* m, const void* image) {
    if (image == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *m = &g_module_token;
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule) {
    std::lock_guard<std::mutex> lock(g_mutex);
    drain();  // queued launches of its kernels still run
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction* f, CUmodule, const char* name) {
    auto it = kernels().find(name);
    if (it == kernels().end()) {
        return CUDA_ERROR_NOT_FOUND;
    }
    *f = (void*)&it->second;
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned smem, CUstream, void** params, void** extra) {
    if (f == nullptr || (params == nullptr) == (extra == nullptr)) {
        return fail("cuLaunchKernel needs exactly one of kernelParams and extra", CUDA_ERROR_INVALID_VALUE);
    }
    const Kernel& k = *(const Kernel*)f;
    // The GPU's launch limits and the kernel's __launch_bounds__ (cuda_emu.h).
    if (const char* why = emu_launch_error(k.kernel, dim3{gx, gy, gz}, dim3{bx, by, bz}, smem)) {
        std::fprintf(stderr, "[cuda-emu] launch grid (%u, %u, %u) block (%u, %u, %u) shared %u bytes: %s\n", gx, gy, gz,
                     bx, by, bz, smem, why);
        const bool bounds = std::strstr(why, "__launch_bounds__") != nullptr;
        return fail("cuLaunchKernel with an invalid configuration",
                    bounds ? CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES : CUDA_ERROR_INVALID_VALUE);
    }
    // The driver takes a copy of the arguments when the launch is queued (the caller may reuse
    // its buffer at once): they are copied into `args`, laid out as the kernel's parameters.
    std::vector<size_t> offsets;
    size_t end = 0;
    for (size_t sz : k.sizes) {
        end = (end + sz - 1) / sz * sz;
        offsets.push_back(end);
        end += sz;
    }
    std::vector<char> args(end);
    if (extra != nullptr) {
        // The packed form: extra = {BUFFER_POINTER, buf, BUFFER_SIZE, &size, END}. The buffer holds
        // the arguments in order, each at an offset aligned to its size, and the size is the end
        // of the last argument, without tail padding (the driver refuses a padded size).
        const char* buf = nullptr;
        const size_t* size = nullptr;
        for (size_t i = 0; extra[i] != nullptr; i += 2) {
            if (i >= 4) {
                return fail("cuLaunchKernel: extra has more than two entries", CUDA_ERROR_INVALID_VALUE);
            }
            if (extra[i] == (void*)1 && buf == nullptr) {
                buf = (const char*)extra[i + 1];
            } else if (extra[i] == (void*)2 && size == nullptr) {
                size = (const size_t*)extra[i + 1];
            } else {
                return fail("cuLaunchKernel: unknown or repeated key in extra", CUDA_ERROR_INVALID_VALUE);
            }
        }
        if (buf == nullptr || size == nullptr) {
            return fail("cuLaunchKernel: extra lacks the buffer or its size", CUDA_ERROR_INVALID_VALUE);
        }
        if (*size != end) {
            std::fprintf(stderr, "[cuda-emu] packed arguments of %zu bytes; the kernel's take %zu\n", *size, end);
            return CUDA_ERROR_INVALID_VALUE;
        }
        std::memcpy(args.data(), buf, end);
    } else {
        for (size_t i = 0; i < k.sizes.size(); ++i) {
            std::memcpy(args.data() + offsets[i], params[i], k.sizes[i]);
        }
    }
    if (skip_kernels()) {
        return CUDA_SUCCESS;
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    enqueue([&k, gx, gy, gz, bx, by, bz, smem, offsets, args = std::move(args)]() mutable {
        std::vector<void*> unpacked;
        for (size_t off : offsets) {
            unpacked.push_back(args.data() + off);
        }
        k.run(k.kernel, dim3{gx, gy, gz}, dim3{bx, by, bz}, smem, unpacked.data());
    });
    return CUDA_SUCCESS;
}

CUresult cuGetErrorName(CUresult r, const char** s) {
    switch (r) {
        case CUDA_SUCCESS: *s = "CUDA_SUCCESS"; break;
        case CUDA_ERROR_INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; break;
        case CUDA_ERROR_OUT_OF_MEMORY: *s = "CUDA_ERROR_OUT_OF_MEMORY"; break;
        case CUDA_ERROR_NOT_FOUND: *s = "CUDA_ERROR_NOT_FOUND"; break;
        case CUDA_ERROR_INVALID_DEVICE: *s = "CUDA_ERROR_INVALID_DEVICE"; break;
        case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: *s = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"; break;
        default: *s = "CUDA_ERROR_UNKNOWN"; break;
    }
    return CUDA_SUCCESS;
}

CUresult cuGetErrorString(CUresult r, const char** s) { return cuGetErrorName(r, s); }

}  // extern "C"
