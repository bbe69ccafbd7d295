package io.shardscore.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The TorchScript test models, written at test time by {@code torch/make_torchscript.py} with
 * Debian's python3-torch (1.13), and the rows and probabilities PyTorch computed for them.
 *
 * @param rows row-major features of the scored rows, in the model's feature order
 * @param probabilities PyTorch's output per row, {@link #CLASSES} values each, row-major
 */
record TorchScriptTraining(Path dir, float[] rows, double[] probabilities) {
  static final int FEATURES = 6;
  static final int CLASSES = 3;

  /** Runs the script into {@code dir} and reads what it wrote. */
  static TorchScriptTraining run(Path dir) throws IOException, InterruptedException {
    PythonScript.run("/torch/make_torchscript.py", "python3-torch", dir);
    List<String> rowLines = Files.readAllLines(dir.resolve("rows.csv"));
    List<String> expected = Files.readAllLines(dir.resolve("expected.csv"));
    float[] rows = new float[rowLines.size() * FEATURES];
    double[] probabilities = new double[expected.size() * CLASSES];
    for (int r = 0; r < rowLines.size(); r++) {
      String[] f = rowLines.get(r).split(",");
      for (int c = 0; c < FEATURES; c++) {
        rows[r * FEATURES + c] = Float.parseFloat(f[c + 1]);
      }
      String[] e = expected.get(r).split(",");
      for (int k = 0; k < CLASSES; k++) {
        probabilities[r * CLASSES + k] = Double.parseDouble(e[k + 1]);
      }
    }
    return new TorchScriptTraining(dir, rows, probabilities);
  }

  int rowCount() {
    return rows.length / FEATURES;
  }
}
