package io.shardscore.job.cli;

import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.Retention;
import io.shardscore.job.config.SparkSettings;
import io.shardscore.job.sync.StoreSync;
import io.shardscore.job.sync.SyncResult;
import java.time.Duration;
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
      "the shards whose manifest entries differ, each file staged on the target and verified by",
      "its recorded CRC32C, then committed as a new version of the target the way a run commits.",
      "Fast-forward only, by commit id: if both sides committed since their common version, it",
      "stops and names the shards; --force commits the source's shards as the target's next",
      "version (the target's history is kept)."
    },
    mixinStandardHelpOptions = true)
final class SyncCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "URI", description = "Source output.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "URI", description = "Target output.")
  String to;

  @Option(
      names = "--force",
      description =
          "On divergence (or a target ahead, or another output), commit the source's shards as the"
              + " target's next version.")
  boolean force;

  @Option(
      names = "--retention",
      paramLabel = "DURATION",
      defaultValue = "0",
      description =
          "Keep the target's files this sync supersedes this long (0, 90s, 30m, 12h, 7d) for"
              + " readers of its previous version; default ${DEFAULT-VALUE}.")
  String retention;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "Hadoop or Spark setting, e.g. fs.s3a.endpoint=http://host:9000; repeatable.")
  java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

  @Override
  public Integer call() {
    Duration keep;
    try {
      keep = Retention.parse(retention, "--retention");
    } catch (JobConfigException e) {
      throw new JobConfigException(e.getMessage() + " Nothing was copied.");
    }
    SparkSettings.check(conf, "in --conf");
    // Only for the Hadoop configuration (s3a credentials, endpoints): no Spark job runs.
    SparkSession spark = SparkSessions.create("local[1]", conf);
    SyncResult r =
        new StoreSync(io.shardscore.job.store.SessionHadoopConf.of(spark))
            .sync(from, to, force, keep);
    if (r.upToDate()) {
      System.out.printf(
          Locale.ROOT,
          "%s is up to date (version %d%s)%n",
          to,
          r.sourceVersion(),
          r.targetVersion() == r.sourceVersion()
              ? ""
              : ", held there as version " + r.targetVersion());
    } else {
      System.out.printf(
          Locale.ROOT,
          "synced version %d to %s%s (was %s): %d shards, %d files, %,d bytes copied; %d files"
              + " already there; shards deleted: %s%n",
          r.sourceVersion(),
          to,
          r.targetVersion() == r.sourceVersion() ? "" : " as its version " + r.targetVersion(),
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
