package io.shardscore.job.store;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The Hadoop configuration a session's own Parquet reads use: the context's settings ({@code
 * spark.hadoop.*}, {@code core-site.xml}) overlaid with the session's runtime settings, so an
 * {@code fs.s3a.*} value set on a running session (a notebook's {@code spark.conf.set}, a job's
 * {@code spark:} section) reaches shardscore's own file access exactly as it reaches Spark's.
 */
public final class SessionHadoopConf {
  private SessionHadoopConf() {}

  public static Configuration of(SparkSession spark) {
    return spark.sessionState().newHadoopConf();
  }
}
