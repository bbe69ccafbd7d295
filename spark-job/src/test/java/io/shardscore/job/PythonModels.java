package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Test models written at test time by model-adapters' Python scripts with Debian's packages
 * (nothing opaque is committed): XGBoost by {@code trees/train_xgboost.py} (python3-xgboost),
 * TorchScript by {@code torch/make_torchscript.py} (python3-torch), text models and their tokenizer
 * by {@code text/make_text_model.py} (python3-torch). Each script also writes the rows it predicted
 * and {@code expected.csv} (id, then the framework's own predictions).
 */
public final class PythonModels {
  private PythonModels() {}

  /** {@code model.json}, {@code model.ubj}; expected: id, probability, margin. */
  public static Path xgboost(Path out) throws IOException, InterruptedException {
    return run("trees/train_xgboost.py", "python3-xgboost", out);
  }

  /**
   * {@code model.pt} (6-16-3 MLP with a softmax), {@code double.pt}, {@code state_dict.pt};
   * expected: id, then the three class probabilities.
   */
  public static Path torchScript(Path out) throws IOException, InterruptedException {
    return run("torch/make_torchscript.py", "python3-torch", out);
  }

  /**
   * {@code tokenizer.json} (word-level), {@code text_mask.pt} (ids and mask), {@code text_ids.pt}
   * (ids alone), {@code text_mask.onnx}; {@code texts.csv} (id, text); expected: id, the script's
   * own token ids, then the two class probabilities.
   */
  public static Path text(Path out) throws IOException, InterruptedException {
    return run("text/make_text_model.py", "python3-torch", out);
  }

  /**
   * {@code two_inputs.pt} and {@code two_inputs.onnx} (inputs dense float32[4], ids int64[2]);
   * {@code rows.csv}: id, d0..d3, region, plan; expected: id, then three class probabilities.
   */
  public static Path twoInputs(Path out) throws IOException, InterruptedException {
    return run("torch/make_two_inputs.py", "python3-torch", out);
  }

  /**
   * {@code two_outputs.pt} (returns the tuple (embedding [8], probabilities [3])) and {@code
   * two_outputs.onnx} (outputs named embedding, probabilities); {@code rows.csv}: id, f0..f5;
   * expected: id, the three probabilities, the eight embedding values.
   */
  public static Path twoOutputs(Path out) throws IOException, InterruptedException {
    return run("torch/make_two_outputs.py", "python3-torch", out);
  }

  /**
   * {@code sequence.pt} (scripted) and {@code sequence.onnx}: inputs dense float32[2], events
   * float32[batch, any length], events_mask int64 of the same shape; outputs the two class
   * probabilities, then seen_length (the length it was fed). {@code rows.csv}: id, d0, d1, then 0
   * to 12 visits; expected: id, then the two probabilities of the row alone.
   */
  public static Path sequence(Path out) throws IOException, InterruptedException {
    return run("torch/make_sequence.py", "python3-torch", out);
  }

  /**
   * {@code float64.pt} (scripted) and {@code float64.onnx}: inputs amount float64[2] (an amount and
   * a reference near 1e6, differing by multiples of 1e-7) and dense float32[1]; output two values.
   * {@code rows.csv}: id, amount, reference, dense; expected: id, then PyTorch's two values.
   */
  public static Path float64(Path out) throws IOException, InterruptedException {
    return run("torch/make_float64.py", "python3-torch", out);
  }

  /**
   * {@code sequence_types.pt}: inputs events and events_mask of any type, one [batch, 5] output
   * (the two types, the length fed, the mask sum, the sum of values); {@code sequence_steps.pt}:
   * outputs the masked events, [batch, length], then the length fed, [batch, 1].
   */
  public static Path sequenceTypes(Path out) throws IOException, InterruptedException {
    return run("torch/make_sequence_types.py", "python3-torch", out);
  }

  private static Path run(String script, String debianPackage, Path out)
      throws IOException, InterruptedException {
    Path file =
        Path.of(System.getProperty("basedir", "."))
            .resolve("../model-adapters/src/test/resources/" + script)
            .normalize();
    Process p =
        new ProcessBuilder("/usr/bin/python3", file.toString(), out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), script + " (needs " + debianPackage + "): " + log);
    return out;
  }
}
