package io.shardscore.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Almond notebooks in {@code notebooks/}, run cell by cell with Ammonite against the freshly
 * built spark-job ({@code run_notebooks.py}): every cell runs on real local Spark, the executed
 * copies are valid nbformat with every cell's output, each shows an HTML table and an SVG plot, and
 * jupyter-nbconvert's page of each opens in headless chromium. The other tests show that the runner
 * fails, naming the cell, on the breakages it exists to catch.
 */
class NotebooksIT {
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path RUNNER = MODULE.resolve("run_notebooks.py");

  @TempDir Path dir;

  @BeforeEach
  void notSkipped() {
    if ("1".equals(System.getenv("SHARDSCORE_SKIP_NOTEBOOKS"))) {
      Assumptions.abort("SHARDSCORE_SKIP_NOTEBOOKS=1: the notebooks are not run");
    }
  }

  @Test
  void everyNotebookRunsAndIsRenderedWithItsTablesAndPlots() throws Exception {
    Path out = MODULE.resolve("target/executed");
    deleteTree(out);
    Run run =
        run(
            out,
            List.of(),
            MODULE.resolve("churn-scoring.ipynb"),
            MODULE.resolve("model-comparison.ipynb"));
    assertEquals(0, run.code, "run_notebooks.py failed:\n" + run.output);
    for (String name : List.of("churn-scoring", "model-comparison")) {
      assertTrue(Files.size(out.resolve(name + ".ipynb")) > 0, name + ": no executed copy");
      String page = Files.readString(out.resolve(name + ".html"));
      assertTrue(page.contains("<svg") && page.contains("<table"), name + ".html lacks a plot");
      assertTrue(Files.size(out.resolve(name + ".png")) > 10_000, name + ": no screenshot");
    }
    assertTrue(
        run.output.contains("scala-library 2.13.17, scala-compiler 2.13.17"),
        "the Ammonite class path is not Scala 2.13.17:\n" + run.output);
  }

  @Test
  void aCellThatThrowsFailsTheRunNamingTheCell() throws Exception {
    Path nb =
        notebook(
            "throws",
            markdown("# a broken notebook"),
            code("println(\"fine\")"),
            code("throw new IllegalStateException(\"this cell is broken\")"),
            code("println(\"never runs\")"));
    Run run = run(dir.resolve("out"), List.of("--no-render"), nb);
    assertEquals(1, run.code, run.output);
    assertTrue(run.output.contains("throws.ipynb: cell 3 (code cell 2) failed"), run.output);
    assertTrue(run.output.contains("this cell is broken"), run.output);
  }

  @Test
  void aCodeCellThatShowsNothingFailsTheRun() throws Exception {
    Path nb = notebook("silent", code("println(\"shown\")"), code("val nothingShown = 1"));
    Run run = run(dir.resolve("out"), List.of("--no-render"), nb);
    assertEquals(1, run.code, run.output);
    assertTrue(run.output.contains("silent.ipynb: cell 2 ran but shows nothing"), run.output);
  }

  @Test
  void anInvalidNotebookFailsBeforeAnyCellRuns() throws Exception {
    Path nb = notebook("invalid", code("println(1)"));
    Files.writeString(nb, Files.readString(nb).replace("\"outputs\": [],", ""));
    Run run = run(dir.resolve("out"), List.of("--no-render"), nb);
    assertEquals(1, run.code, run.output);
    assertTrue(run.output.contains("invalid.ipynb is not a valid nbformat 4 notebook"), run.output);
  }

  @Test
  void anAmmoniteLibraryOfAnotherVersionThanSparkJobsFailsTheRun() throws Exception {
    String repo = System.getProperty("user.home") + "/.m2/repository/org/slf4j/slf4j-api/";
    Path ammonite = dir.resolve("ammonite-classpath.txt");
    Files.writeString(ammonite, repo + "1.7.36/slf4j-api-1.7.36.jar");
    Path spark = dir.resolve("launcher-classpath.txt");
    Files.writeString(spark, repo + "2.0.17/slf4j-api-2.0.17.jar");
    Run run =
        run(
            dir.resolve("out"),
            List.of(
                "--ammonite-classpath", ammonite.toString(), "--spark-classpath", spark.toString()),
            MODULE.resolve("churn-scoring.ipynb"));
    assertEquals(1, run.code, run.output);
    assertTrue(
        run.output.contains("org.slf4j:slf4j-api Ammonite 1.7.36, spark-job 2.0.17"), run.output);
  }

  private static void deleteTree(Path root) throws IOException {
    if (Files.exists(root)) {
      try (var paths = Files.walk(root)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private record Run(int code, String output) {}

  private Run run(Path out, List<String> options, Path... notebooks) throws Exception {
    Path log = Files.createTempFile(dir, "run-notebooks", ".log");
    List<String> command = new ArrayList<>();
    command.add(Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3");
    command.add(RUNNER.toString());
    command.addAll(
        List.of(
            "--ammonite-classpath",
            MODULE.resolve("target/ammonite-classpath.txt").toString(),
            "--spark-classpath",
            MODULE.resolve("../spark-job/target/launcher-classpath.txt").normalize().toString(),
            "--java-opts",
            "-Xmx2g " + System.getProperty("shardscore.it.opens", ""),
            "--out",
            out.toString()));
    command.addAll(options);
    for (Path nb : notebooks) {
      command.add(nb.toString());
    }
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    int code = p.waitFor();
    String output = Files.readString(log);
    if (code == 3) {
      fail(output + "\n(or set SHARDSCORE_SKIP_NOTEBOOKS=1 to skip the notebook tests)");
    }
    return new Run(code, output);
  }

  private Path notebook(String name, String... cells) throws IOException {
    Path nb = dir.resolve(name + ".ipynb");
    Files.writeString(
        nb,
        """
        {"cells": [%s],
         "metadata": {"kernelspec": {"display_name": "Scala 2.13", "language": "scala", "name": "scala213"},
                      "language_info": {"name": "scala", "version": "2.13.17"}},
         "nbformat": 4, "nbformat_minor": 5}
        """
            .formatted(String.join(",\n", cells)));
    return nb;
  }

  private static int cellId;

  private static String code(String source) {
    return """
        {"cell_type": "code", "id": "t%d", "metadata": {}, "execution_count": null, "outputs": [],
         "source": "%s"}"""
        .formatted(++cellId, source.replace("\\", "\\\\").replace("\"", "\\\""));
  }

  private static String markdown(String source) {
    return """
        {"cell_type": "markdown", "id": "t%d", "metadata": {}, "source": "%s"}"""
        .formatted(++cellId, source);
  }
}
