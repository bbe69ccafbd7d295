package io.shardscore.job.cli;

import io.shardscore.job.sync.StoreSync;
import io.shardscore.job.sync.SyncResult;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shardscore sync}: copy a committed output to another store, moving only what changed. */
@Command(
    name = "sync",
    description = {
      "Copy the committed output at --from to --to (file:, hdfs:, s3a: in any direction), only",
      "the shards whose manifest entries differ, each file verified by its recorded CRC32C, the",
      "target's manifest last. Fast-forward only: if both sides committed since their common",
      "version, it stops and names the shards; --force makes the target a copy of the source."
    },
    mixinStandardHelpOptions = true)
final class SyncCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "URI", description = "Source output.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "URI", description = "Target output.")
  String to;

  @Option(names = "--force", description = "On divergence, replace the target with the source.")
  boolean force;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "Hadoop or Spark setting, e.g. fs.s3a.endpoint=http://host:9000; repeatable.")
  java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

  @Override
  public Integer call() {
    // Only for the Hadoop configuration (s3a credentials, endpoints): no Spark job runs.
    SparkSession spark = SparkSessions.create("local[1]", conf);
    SyncResult r =
        new StoreSync(io.shardscore.job.store.SessionHadoopConf.of(spark)).sync(from, to, force);
    if (r.upToDate()) {
      System.out.printf(Locale.ROOT, "%s is up to date (version %d)%n", to, r.sourceVersion());
    } else {
      System.out.printf(
          Locale.ROOT,
          "synced version %d to %s (was %s): %d shards, %d files, %,d bytes copied; %d files"
              + " already there; shards deleted: %s%n",
          r.sourceVersion(),
          to,
          r.previousTargetVersion() < 0 ? "empty" : "version " + r.previousTargetVersion(),
          r.shardsCopied().size(),
          r.filesCopied(),
          r.bytesCopied(),
          r.filesSkipped(),
          r.shardsDeleted());
    }
    return ExitCode.OK;
  }
}
