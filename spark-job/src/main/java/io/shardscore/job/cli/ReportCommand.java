package io.shardscore.job.cli;

import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import io.shardscore.job.report.ReportFiles;
import io.shardscore.job.report.ReportText;
import io.shardscore.job.result.ScoreResult;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardscore report OUTPUT}: the newest (or the named) run's report as text, and the path of
 * its HTML page (written from the JSON report first when it is missing). No Spark job runs.
 */
@Command(
    name = "report",
    description = {
      "Print the run report of the newest commit of an output (or of --run ID) and the path of",
      "its HTML page, _shardscore/reports/<run id>.<commit id>.html. Reads only the reports and",
      "manifests; no Spark job runs."
    },
    mixinStandardHelpOptions = true)
final class ReportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "OUTPUT", description = "The output root (output.path).")
  String output;

  @Option(
      names = "--run",
      paramLabel = "ID",
      description = "The run id; the newest commit of that id when it was reused.")
  String runId;

  @Option(
      names = "--html",
      description = "Print only the path of the HTML page, e.g. for xdg-open \"$(...)\".")
  boolean html;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "Hadoop setting, e.g. fs.s3a.endpoint=http://host:9000; repeatable.")
  Map<String, String> conf = new LinkedHashMap<>();

  @Override
  public Integer call() throws IOException {
    Configuration hadoop = new Configuration();
    conf.forEach((k, v) -> hadoop.set(k.startsWith("spark.hadoop.") ? k.substring(13) : k, v));
    Path root = new Path(output);
    FileSystem fs = root.getFileSystem(hadoop);
    ReportFiles files = new ReportFiles(fs, root);
    Optional<ReportFiles.Located> found = runId == null ? files.newest() : files.named(runId);
    if (found.isEmpty()) {
      List<String> known = files.runIds();
      if (known.isEmpty()) {
        throw new ShardscoreException(
            ErrorKind.CONFIG,
            output
                + " has no run reports (no "
                + files.folder()
                + "/*.json): nothing has been committed there, or it is not a shardscore output.");
      }
      throw new ShardscoreException(
          ErrorKind.CONFIG,
          "No report of run '"
              + runId
              + "' in "
              + output
              + ". Runs with a report: "
              + String.join(", ", known)
              + ".");
    }
    String page = shown(fs.makeQualified(files.ensurePage(found.get())));
    if (html) {
      System.out.println(page);
    } else {
      System.out.print(ReportText.format(found.get().report()));
      System.out.println();
      System.out.println("report page: " + page);
    }
    return ExitCode.OK;
  }

  /**
   * The line the run command prints after its summary: where this run's report page is, or nothing
   * when the run committed nothing (or its report could not be written, which it logged).
   */
  static String pageLine(org.apache.spark.sql.SparkSession spark, ScoreResult result) {
    if (!result.committed()) {
      return "";
    }
    try {
      Path root = new Path(result.output());
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return new ReportFiles(fs, root)
          .named(result.runId())
          .map(found -> "report: " + shown(fs.makeQualified(found.html())) + "\n")
          .orElse("");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** A local file as a plain path (for a browser or xdg-open), anything else as its URI. */
  private static String shown(Path p) {
    return "file".equals(p.toUri().getScheme()) ? p.toUri().getPath() : p.toString();
  }
}
