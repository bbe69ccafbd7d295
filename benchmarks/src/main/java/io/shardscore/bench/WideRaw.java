package io.shardscore.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The raw engine on the {@link WideCase} model and row count, as a process of its own; prints one
 * JSON line with the engine's seconds (scoring only: no JVM start, model load or data generation).
 *
 * <p>Arguments: {@code <model.onnx> <rows>}.
 */
public final class WideRaw {
  private WideRaw() {}

  public static void main(String[] args) throws Exception {
    long rows = Long.parseLong(args[1]);
    Workload w =
        new Workload(WideCase.NAME, null, Path.of(args[0]), List.of("x[32]"), WideCase.WIDTH, rows);
    Measurement m = new RawEngine(w, 2, 1024).run(w, 0);
    System.out.printf(
        java.util.Locale.ROOT, "{\"rows\": %d, \"seconds\": %.4f}%n", m.rows(), m.seconds());
    System.exit(0);
  }
}
