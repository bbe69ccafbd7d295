package io.shardscore.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A labels file: one class name per line, line {@code i} naming output {@code i} of the model (the
 * format of DJL's {@code synset.txt}). Trailing blank lines are ignored; a blank line between names
 * is an error, since it would shift every later name, and so is a name given twice.
 */
final class ClassLabels {
  private ClassLabels() {}

  /**
   * The names in {@code file}, a verified copy of {@code spec}'s labels file.
   *
   * @throws ModelLoadException when it is missing, empty or has a blank line between names
   */
  static List<String> read(Path file, ModelSpec spec) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          "Model "
              + spec.location()
              + " needs its labels file '"
              + spec.labelsFile()
              + "' beside it, but there is none.",
          e);
    } catch (IOException e) {
      throw new ModelLoadException(
          "Cannot read the labels file '"
              + spec.labelsFile()
              + "' of model "
              + spec.location()
              + ": "
              + e.getMessage()
              + ". It must be UTF-8 text, one class name per line.",
          e);
    }
    // A byte order mark (as Windows editors save UTF-8) is not part of the first class name.
    if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
      lines = new ArrayList<>(lines);
      lines.set(0, lines.get(0).substring(1));
    }
    int end = lines.size();
    while (end > 0 && lines.get(end - 1).isBlank()) {
      end--;
    }
    List<String> names = new ArrayList<>(end);
    for (int i = 0; i < end; i++) {
      String name = lines.get(i).strip();
      if (name.isEmpty()) {
        throw new ModelLoadException(
            "The labels file '"
                + spec.labelsFile()
                + "' of model "
                + spec.location()
                + " has a blank line "
                + (i + 1)
                + " between class names; every line up to the last names the model's output of"
                + " that index. Remove the line or name the class.");
      }
      int first = names.indexOf(name);
      if (first >= 0) {
        throw new ModelLoadException(
            "The labels file '"
                + spec.labelsFile()
                + "' of model "
                + spec.location()
                + " names class '"
                + name
                + "' on lines "
                + (first + 1)
                + " and "
                + (i + 1)
                + "; label_name and top_labels could not tell those outputs apart. Give each"
                + " class its own name.");
      }
      names.add(name);
    }
    if (names.isEmpty()) {
      throw new ModelLoadException(
          "The labels file '"
              + spec.labelsFile()
              + "' of model "
              + spec.location()
              + " is empty; write one class name per line, in the model's output order.");
    }
    return List.copyOf(names);
  }
}
