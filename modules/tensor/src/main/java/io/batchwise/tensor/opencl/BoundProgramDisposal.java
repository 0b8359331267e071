package io.batchwise.tensor.opencl;

import com.aparapi.internal.opencl.OpenCLArgDescriptor;
import com.aparapi.internal.opencl.OpenCLKernel;
import com.aparapi.internal.opencl.OpenCLMem;
import com.aparapi.opencl.OpenCL;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Disposes an Aparapi bound interface without the native layer's noise.
 *
 * <p>Why: Aparapi 3.0.2's native {@code disposeKernel} prints "mem instance not set" to stdout for
 * every array argument of a kernel that was never launched (it has no OpenCL buffer yet), dozens
 * of lines per device. Before disposing, each such argument gets an empty {@link OpenCLMem}
 * (buffer id 0); releasing id 0 is a no-op error code the native side ignores. If Aparapi's
 * internals ever change shape, this falls back to a plain {@code dispose()}.
 */
final class BoundProgramDisposal {
  private BoundProgramDisposal() {
  }

  static void dispose(OpenCL<?> bound) {
    try {
      markUnlaunchedArguments(bound);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Cosmetic only: the native layer will print its lines, nothing else changes.
    }
    bound.dispose();
  }

  private static void markUnlaunchedArguments(Object bound) throws ReflectiveOperationException {
    Object handler = Proxy.getInvocationHandler(bound);
    Field mapField = handler.getClass().getDeclaredField("map");
    mapField.setAccessible(true);
    Field argsField = OpenCLKernel.class.getDeclaredField("args");
    argsField.setAccessible(true);
    long globalArray = OpenCLArgDescriptor.ARG_ARRAY_BIT | OpenCLArgDescriptor.ARG_GLOBAL_BIT;
    for (Object kernel : ((Map<?, ?>) mapField.get(handler)).values()) {
      OpenCLArgDescriptor[] args = (OpenCLArgDescriptor[]) argsField.get(kernel);
      if (args == null) {
        continue;
      }
      for (OpenCLArgDescriptor arg : args) {
        if ((arg.bits & globalArray) == globalArray && arg.memVal == null) {
          arg.memVal = new OpenCLMem();
        }
      }
    }
  }
}
