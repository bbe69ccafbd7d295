package io.shardscore.model;

import java.util.List;
import java.util.Locale;

/**
 * Recognises an engine running out of memory for one inference call, as ONNX Runtime (CPU and CUDA)
 * and PyTorch report it. Only such failures are retried with a smaller batch; anything else (a bad
 * input, a broken model) fails at once.
 */
public final class EngineOutOfMemory {
  private static final List<String> SIGNS =
      List.of(
          // ONNX Runtime: BFCArena / CPU allocator / CUDA allocator
          "failed to allocate memory for requested buffer",
          "available memory of",
          "bad allocation",
          "std::bad_alloc",
          "cuda_error_out_of_memory",
          "cudaerrormemoryallocation",
          "cuda failure 2: out of memory",
          "cublas_status_alloc_failed",
          "cudnn_status_alloc_failed",
          // PyTorch
          "cuda out of memory",
          "torch.outofmemoryerror",
          "torch.cuda.outofmemoryerror",
          "defaultcpuallocator: can't allocate memory",
          "defaultcpuallocator: not enough memory",
          // JVM side of an engine call
          "direct buffer memory");

  private EngineOutOfMemory() {}

  /** True when {@code error} or one of its causes is an engine out-of-memory failure. */
  public static boolean is(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        // The JVM's own heap exhaustion is not the engine's and is not retried; direct buffers
        // (tensors handed to the engine) are.
        String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        return m.contains("direct buffer memory");
      }
      String text = (t.getClass().getName() + ": " + t.getMessage()).toLowerCase(Locale.ROOT);
      for (String sign : SIGNS) {
        if (text.contains(sign)) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
