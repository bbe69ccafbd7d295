package io.shardscore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The measurements of one benchmark run, each appended as it is taken to {@code results.jsonl} in
 * the result folder and printed as the same JSON line.
 */
final class ResultLog {
  private final Path file;
  private final List<Measurement> results = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();

  /** A log writing {@code out/results.jsonl}, which is started afresh. */
  ResultLog(Path out) throws IOException {
    this.file = out.resolve("results.jsonl");
    Files.deleteIfExists(file);
  }

  void record(Measurement m) throws IOException {
    results.add(m);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("system", m.system());
    line.put("workload", m.workload());
    line.put("rep", m.rep());
    line.put("rows", m.rows());
    line.put("seconds", m.seconds());
    line.put("rowsPerSecond", m.rowsPerSecond());
    line.putAll(m.extra());
    String text = json.writeValueAsString(line);
    Files.writeString(file, text + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    System.out.println(text);
  }

  /** The median rows per second of {@code system} on {@code workload} so far. */
  double median(String system, String workload) {
    return Report.median(results, system, workload);
  }

  /** Every measurement so far, in the order taken. */
  List<Measurement> all() {
    return results;
  }
}
