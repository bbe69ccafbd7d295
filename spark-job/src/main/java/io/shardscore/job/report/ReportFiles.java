package io.shardscore.job.report;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.ManifestStore;
import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.store.ExclusiveCreate;
import io.shardscore.job.store.JsonFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The reports of one output, {@code _shardscore/reports/<run id>.<commit id>.json} and the page
 * {@code .html} of each: where they are, which is the newest (the newest commit that has one),
 * which belongs to a run id, and which came before a commit (walking the manifests' parents, so a
 * sync commit without a report is passed over).
 */
public final class ReportFiles {
  /** How many parent versions are looked at for the previous report. */
  static final int MAX_PARENTS = 20;

  private static final Pattern COMMIT_SUFFIX = Pattern.compile("\\.[0-9a-f]{8,}$");

  private final FileSystem fs;
  private final Path output;
  private final Path dir;

  public ReportFiles(FileSystem fs, Path output) {
    this.fs = fs;
    this.output = output;
    this.dir = new OutputPaths(output).reports();
  }

  /** A report and where it is. */
  public record Located(String name, Path json, Path html, RunReport report) {}

  /** {@code <run id>.<commit id>}, or {@code <run id>} for a manifest without a commit id. */
  public static String baseName(String runId, String commitId) {
    return runId + (commitId == null ? "" : "." + commitId);
  }

  public Path folder() {
    return dir;
  }

  public Path json(String name) {
    return new Path(dir, name + ".json");
  }

  public Path html(String name) {
    return new Path(dir, name + ".html");
  }

  void writeJson(Path file, RunReport report) throws IOException {
    // One report per commit: a run id reused by a retry or backfill never replaces a report.
    JsonFiles.create(fs, file, report, () -> {});
  }

  /**
   * Writes the page of {@code report} (committed as {@code manifest}), compared with the previous
   * report; an existing page is kept.
   */
  Path writePage(String name, RunReport report, Manifest manifest) throws IOException {
    Path page = html(name);
    Optional<RunReport> previous = previous(manifest).map(Located::report);
    byte[] html = ReportPage.render(report, previous.orElse(null)).getBytes(StandardCharsets.UTF_8);
    ExclusiveCreate.create(fs, page, html, () -> {});
    return page;
  }

  /** The page of {@code located}, written from its JSON report first when it is missing. */
  public Path ensurePage(Located located) throws IOException {
    if (!fs.exists(located.html())) {
      Optional<Manifest> m = store().version(located.report().manifestVersion());
      Optional<RunReport> previous = m.flatMap(this::previous).map(Located::report);
      byte[] html =
          ReportPage.render(located.report(), previous.orElse(null))
              .getBytes(StandardCharsets.UTF_8);
      ExclusiveCreate.create(fs, located.html(), html, () -> {});
    }
    return located.html();
  }

  /** The report of the newest commit that has one. */
  public Optional<Located> newest() throws IOException {
    Optional<Manifest> m = store().current();
    for (int i = 0; m.isPresent() && i <= MAX_PARENTS; i++) {
      Optional<Located> r = of(m.get());
      if (r.isPresent()) {
        return r;
      }
      m = parent(m.get());
    }
    // Manifests pruned or unreadable: fall back on the reports themselves.
    List<Located> all = all();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** The newest report of {@code runId} (a run id may be reused by retries and backfills). */
  public Optional<Located> named(String runId) throws IOException {
    List<Located> out = new ArrayList<>();
    for (FileStatus s : list()) {
      String name = nameOf(s);
      if (name != null && (name.equals(runId) || name.startsWith(runId + "."))) {
        Located l = read(name);
        if (runId.equals(l.report().runId())) {
          out.add(l);
        }
      }
    }
    return out.stream().max(Comparator.comparingLong(l -> l.report().manifestVersion()));
  }

  /** The run ids that have a report, from the file names, sorted. */
  public List<String> runIds() throws IOException {
    TreeSet<String> ids = new TreeSet<>();
    for (FileStatus s : list()) {
      String name = nameOf(s);
      if (name != null) {
        ids.add(COMMIT_SUFFIX.matcher(name).replaceFirst(""));
      }
    }
    return List.copyOf(ids);
  }

  /** The report of the newest commit before {@code manifest} that has one. */
  public Optional<Located> previous(Manifest manifest) {
    try {
      Optional<Manifest> m = parent(manifest);
      for (int i = 0; m.isPresent() && i < MAX_PARENTS; i++) {
        Optional<Located> r = of(m.get());
        if (r.isPresent()) {
          return r;
        }
        m = parent(m.get());
      }
    } catch (IOException | RuntimeException e) {
      // No comparison then; the page says so.
    }
    return Optional.empty();
  }

  private Optional<Manifest> parent(Manifest m) {
    return m.parentVersion() == null ? Optional.empty() : store().version(m.parentVersion());
  }

  private Optional<Located> of(Manifest m) throws IOException {
    String name = baseName(m.runId(), m.commitId());
    return fs.exists(json(name)) ? Optional.of(read(name)) : Optional.empty();
  }

  private Located read(String name) throws IOException {
    return new Located(
        name, json(name), html(name), JsonFiles.read(fs, json(name), RunReport.class));
  }

  private List<Located> all() throws IOException {
    List<Located> out = new ArrayList<>();
    for (FileStatus s : list()) {
      String name = nameOf(s);
      if (name != null) {
        out.add(read(name));
      }
    }
    out.sort(Comparator.comparingLong(l -> l.report().manifestVersion()));
    return out;
  }

  private List<FileStatus> list() throws IOException {
    try {
      return fs.exists(dir) ? List.of(fs.listStatus(dir)) : List.of();
    } catch (FileNotFoundException e) {
      return List.of();
    }
  }

  private static String nameOf(FileStatus s) {
    String n = s.getPath().getName();
    return s.isFile() && n.endsWith(".json") ? n.substring(0, n.length() - ".json".length()) : null;
  }

  private ManifestStore store() {
    return new ManifestStore(fs, output);
  }
}
