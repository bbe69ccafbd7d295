package io.shardscore.job.result;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.store.SessionHadoopConf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads committed output through its manifest: exactly the files one version lists, so a read
 * during a later run never sees half of it. If a crash interrupted the newest commit's move of
 * files into place, reading it finishes the moves first (docs/commit-protocol.md), which needs
 * write access to the output.
 */
public final class OutputReader {
  private final SparkSession spark;

  public OutputReader(SparkSession spark) {
    this.spark = spark;
  }

  /** The newest committed manifest of {@code output}, if it has one. */
  public Optional<Manifest> manifest(String output) {
    Path root = new Path(output);
    try {
      FileSystem fs = root.getFileSystem(SessionHadoopConf.of(spark));
      return new ShardCommitter(fs, fs.makeQualified(root)).store().current();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The scored rows ({@code errors} false) or the unscorable rows with {@code error_reason} of one
   * committed {@code version} of {@code output}, or of the newest when {@code version} is null;
   * with a {@code shard} column from the folders.
   */
  public Dataset<Row> read(String output, Long version, boolean errors) {
    Path root = new Path(output);
    Manifest manifest;
    try {
      FileSystem fs = root.getFileSystem(SessionHadoopConf.of(spark));
      root = fs.makeQualified(root);
      ShardCommitter committer = new ShardCommitter(fs, root);
      Optional<Manifest> found =
          version == null ? committer.store().current() : committer.store().version(version);
      manifest =
          found.orElseThrow(
              () ->
                  new IllegalArgumentException(
                      output
                          + (version == null
                              ? " has no committed shardscore manifest; run a job into it first."
                              : " has no committed version " + version + ".")));
      Optional<Manifest> newest = committer.store().current();
      if (newest.isPresent() && newest.get().sameCommit(manifest)) {
        committer.ensureInPlace(manifest);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String base = root.toString().endsWith("/") ? root.toString() : root + "/";
    String[] paths =
        manifest.shards().stream()
            .flatMap(s -> (errors ? s.errorFiles() : s.files()).stream())
            .map(f -> base + f.path())
            .toArray(String[]::new);
    if (paths.length == 0) {
      return spark.emptyDataFrame();
    }
    String basePath = errors ? new OutputPaths(root).errors().toString() : base;
    return spark.read().option("basePath", basePath).parquet(paths);
  }
}
