package org.mtlalign.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether the CUDA backend can run here, and if not, why (one line for humans).
 *
 * <p>The checks, in order: the JCuda driver binding loads (it needs the NVIDIA driver's
 * {@code libcuda.so.1}; without it loading throws {@link UnsatisfiedLinkError}), {@code cuInit}
 * succeeds, there is a device (ordinal {@code -Dmtlalign.cuda.device=N}, default 0) of compute
 * capability 8.0 or newer (the fatbins carry SASS for sm_80/86/89/90 and PTX for compute_90), and
 * the kernels were built into this jar (native/build.sh needs nvcc at build time). The probe runs
 * once per JVM and is cached; it creates no context and loads no module.
 */
public final class CudaProbe {
    /** Where native/build.sh puts the fatbins on the classpath. */
    static final String KERNEL_DIR = "/org/mtlalign/native/";
    /** The kernel families, one fatbin each (native/NAME.cu). */
    static final List<String> MODULES =
            List.of("shared_layer", "losses", "reductions", "covariance", "optimizers", "svd_jacobi");
    static final int MIN_CC_MAJOR = 8;

    private static final Object LOCK = new Object();
    private static volatile Result cached;

    private CudaProbe() {
    }

    /** Null when the CUDA backend is usable, otherwise the one-line reason why not. */
    public static String unavailableReason() {
        return result().reason;
    }

    /** True when {@link #unavailableReason()} is null. */
    public static boolean usable() {
        return result().reason == null;
    }

    /** True when every kernel fatbin is on the classpath (nvcc was available at build time). */
    public static boolean kernelsBuilt() {
        for (String m : MODULES) {
            if (CudaProbe.class.getResource(KERNEL_DIR + m + ".fatbin") == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * Why {@link #kernelsBuilt()} is false. The jar cannot tell the two causes apart, and naming only
     * a missing nvcc misled a build that had nvcc but skipped the step, as the quick builds do.
     */
    public static final String KERNELS_MISSING =
            "nvcc was not on the PATH at build time, or the build skipped it: -Dmtlalign.native.skip=true";

    /** "nvcc 13.0, targets sm_80,...", from the build record, or null when not built. */
    public static String kernelsBuildInfo() {
        try (InputStream in = CudaProbe.class.getResourceAsStream(KERNEL_DIR + "kernels.properties")) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return "nvcc " + p.getProperty("nvcc", "?") + ", targets " + p.getProperty("targets", "?");
        } catch (IOException e) {
            return null;
        }
    }

    /** The device the probe found ("NVIDIA H200, compute capability 9.0, ..."), or null. */
    public static String deviceDescription() {
        return result().device;
    }

    /** One line for {@code mtl info}: usable with which device, or unavailable and why. */
    public static String summary() {
        Result r = result();
        String kernels = kernelsBuilt() ? "kernels built (" + kernelsBuildInfo() + ")"
                : "kernels not built (" + KERNELS_MISSING + ")";
        if (r.reason == null) {
            return "usable: " + r.device + "; " + kernels;
        }
        return "unavailable: " + r.reason + (r.device != null ? " [device: " + r.device + "]" : "");
    }

    static int deviceOrdinal() {
        return Integer.getInteger("mtlalign.cuda.device", 0);
    }

    static Result result() {
        Result r = cached;
        if (r == null) {
            synchronized (LOCK) {
                r = cached;
                if (r == null) {
                    r = probe();
                    cached = r;
                }
            }
        }
        return r;
    }

    private static Result probe() {
        Result driver;
        try {
            driver = DriverCheck.run(deviceOrdinal());
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, anything the binding throws
            return new Result(describeLoadFailure(t), null);
        }
        if (driver.reason != null) {
            return driver;
        }
        if (!kernelsBuilt()) {
            return new Result("the CUDA kernels were not built (" + KERNELS_MISSING + ")", driver.device);
        }
        return driver;
    }

    static String describeLoadFailure(Throwable t) {
        String msg = String.valueOf(t.getMessage());
        if (t instanceof UnsatisfiedLinkError && msg.contains("libcuda.so")) {
            return "no NVIDIA driver (libcuda.so.1 not found)";
        }
        if (t instanceof NoClassDefFoundError && msg.contains("jcuda/")) {
            return "JCuda is not on the classpath (" + msg.trim() + " missing; expected lib/jcuda-*.jar)";
        }
        String first = msg.lines().findFirst().orElse("").trim();
        return "the JCuda driver binding could not be loaded (" + t.getClass().getSimpleName()
                + (first.isEmpty() ? "" : ": " + first) + ")";
    }

    /** Reason null = usable; device = what was found (may be set with a reason). */
    static final class Result {
        final String reason;
        final String device;

        Result(String reason, String device) {
            this.reason = reason;
            this.device = device;
        }
    }

    /** Everything that touches JCuda classes, so that loading CudaProbe itself can never fail. */
    private static final class DriverCheck {
        static Result run(int ordinal) {
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new Result(initFailure(r), null);
            }
            int[] count = new int[1];
            r = JCudaDriver.cuDeviceGetCount(count);
            if (r != CUresult.CUDA_SUCCESS) {
                return new Result("cuDeviceGetCount failed: " + Cu.name(r), null);
            }
            if (count[0] == 0) {
                return new Result("no CUDA device found (the NVIDIA driver sees none)", null);
            }
            if (ordinal < 0 || ordinal >= count[0]) {
                return new Result("-Dmtlalign.cuda.device=" + ordinal + " but there " + (count[0] == 1 ? "is 1 device"
                        : "are " + count[0] + " devices"), null);
            }
            CUdevice dev = new CUdevice();
            Cu.check(JCudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet");
            String device = describe(dev);
            int[] major = new int[1];
            Cu.check(JCudaDriver.cuDeviceGetAttribute(major,
                    CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "cuDeviceGetAttribute");
            if (major[0] < MIN_CC_MAJOR) {
                return new Result("the GPU (" + device + ") is older than the kernels' minimum compute capability "
                        + MIN_CC_MAJOR + ".0", device);
            }
            return new Result(null, device);
        }

        static String initFailure(int r) {
            switch (r) {
                case CUresult.CUDA_ERROR_NO_DEVICE:
                    return "no CUDA device found (cuInit: CUDA_ERROR_NO_DEVICE; check CUDA_VISIBLE_DEVICES)";
                case CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH:
                    return "the NVIDIA kernel driver and libcuda.so.1 do not match (cuInit: "
                            + "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH; reboot or reinstall the driver)";
                default:
                    return "cuInit failed: " + Cu.name(r);
            }
        }

        /** "NVIDIA H200, compute capability 9.0, 139.8 GiB, driver CUDA 13.0". */
        static String describe(CUdevice dev) {
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, dev);
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            int[] major = new int[1];
            int[] minor = new int[1];
            JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            long[] mem = new long[1];
            JCudaDriver.cuDeviceTotalMem(mem, dev);
            int[] drv = new int[1];
            JCudaDriver.cuDriverGetVersion(drv);
            return String.format(Locale.ROOT, "%s, compute capability %d.%d, %s, driver CUDA %d.%d",
                    new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII).trim(), major[0], minor[0],
                    CudaOutOfMemoryException.human(mem[0]), drv[0] / 1000, (drv[0] % 1000) / 10);
        }
    }
}
