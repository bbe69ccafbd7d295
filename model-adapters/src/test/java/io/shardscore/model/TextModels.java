package io.shardscore.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The text test models and their tokenizer, written at test time by {@code text/make_text_model.py}
 * with Debian's python3-torch (1.13), with the token ids and the probabilities its own
 * (independent) tokenization and PyTorch gave each text.
 *
 * @param texts the scored texts, by id
 * @param tokens the ids of each text, truncated to {@link #MAX_LENGTH}, unpadded
 * @param probabilities PyTorch's two class probabilities per text, row-major
 */
record TextModels(Path dir, List<String> texts, List<long[]> tokens, double[] probabilities) {
  static final int MAX_LENGTH = 8;

  /** Runs the script into {@code dir} and reads what it wrote. */
  static TextModels run(Path dir) throws IOException, InterruptedException {
    PythonScript.run("/text/make_text_model.py", "python3-torch", dir);
    List<String> texts = new ArrayList<>();
    List<String> lines = Files.readAllLines(dir.resolve("texts.csv"));
    for (String line : lines.subList(1, lines.size())) {
      texts.add(line.substring(line.indexOf(',') + 1).replace("\"", ""));
    }
    List<String> expected = Files.readAllLines(dir.resolve("expected.csv"));
    List<long[]> tokens = new ArrayList<>();
    double[] probabilities = new double[2 * (expected.size() - 1)];
    for (int r = 1; r < expected.size(); r++) {
      String[] f = expected.get(r).split(",");
      String[] ids = f[1].split(" ");
      long[] row = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        row[i] = Long.parseLong(ids[i]);
      }
      tokens.add(row);
      probabilities[2 * (r - 1)] = Double.parseDouble(f[2]);
      probabilities[2 * (r - 1) + 1] = Double.parseDouble(f[3]);
    }
    return new TextModels(dir, texts, tokens, probabilities);
  }
}
