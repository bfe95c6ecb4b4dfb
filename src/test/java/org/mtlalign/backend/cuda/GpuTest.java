package org.mtlalign.backend.cuda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that needs a usable CUDA device: tagged "gpu" (run them alone with
 * {@code -Dgroups=gpu}) and, without a GPU, every test method is reported SKIPPED with the
 * probe's reason (printed once per class).
 *
 * <p>Why a condition and not {@code @BeforeAll assumeTrue(...)}: an assumption that aborts
 * {@code @BeforeAll} makes Surefire report the class as "Tests run: 0, Skipped: 0", i.e. the
 * tests silently vanish; a condition evaluated per test method makes each one show as skipped.
 * Class-level setup in such classes must therefore open the backend only when
 * {@link CudaProbe#usable()}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(GpuTest.RequiresCuda.class)
@interface GpuTest {

    /** The condition behind {@link GpuTest}. */
    final class RequiresCuda implements ExecutionCondition {
        private static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String why = CudaProbe.unavailableReason();
            if (why == null) {
                return ConditionEvaluationResult.enabled("CUDA usable: " + CudaProbe.deviceDescription());
            }
            if (context.getTestMethod().isEmpty()) {
                String cls = context.getRequiredTestClass().getSimpleName();
                if (ANNOUNCED.add(cls)) {
                    System.out.println("[" + cls + "] GPU tests skipped: CUDA unavailable: " + why);
                }
                // Keep the class enabled so each test is reported (as skipped) individually.
                return ConditionEvaluationResult.enabled("tests are skipped one by one");
            }
            return ConditionEvaluationResult.disabled("CUDA unavailable: " + why);
        }
    }
}
