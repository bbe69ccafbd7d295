package io.shardscore.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The XGBoost test model, trained at test time by {@code trees/train_xgboost.py} with Debian's
 * python3-xgboost (1.7), and the rows and predictions Python wrote next to it.
 *
 * @param rows row-major features of the scored rows, in the model's feature order
 * @param probability Python's {@code booster.predict(rows)} per row
 * @param margin Python's {@code booster.predict(rows, output_margin=True)} per row
 */
record XgboostTraining(Path dir, float[] rows, double[] probability, double[] margin) {
  static final int FEATURES = 6;

  /** Runs the training script into {@code dir} and reads what it wrote. */
  static XgboostTraining run(Path dir) throws IOException, InterruptedException {
    PythonScript.run("/trees/train_xgboost.py", "python3-xgboost", dir);
    List<String> rowLines = Files.readAllLines(dir.resolve("rows.csv"));
    List<String> expected = Files.readAllLines(dir.resolve("expected.csv"));
    float[] rows = new float[rowLines.size() * FEATURES];
    double[] probability = new double[expected.size()];
    double[] margin = new double[expected.size()];
    for (int r = 0; r < rowLines.size(); r++) {
      String[] f = rowLines.get(r).split(",");
      for (int c = 0; c < FEATURES; c++) {
        rows[r * FEATURES + c] = Float.parseFloat(f[c + 1]);
      }
      String[] e = expected.get(r).split(",");
      probability[r] = Double.parseDouble(e[1]);
      margin[r] = Double.parseDouble(e[2]);
    }
    return new XgboostTraining(dir, rows, probability, margin);
  }

  int rowCount() {
    return probability.length;
  }
}
