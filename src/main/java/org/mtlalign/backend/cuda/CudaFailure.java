package org.mtlalign.backend.cuda;

/** A CUDA driver call or kernel failed; the message names the call and the driver's error. */
public class CudaFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaFailure(String message) {
        super(message);
    }
}
