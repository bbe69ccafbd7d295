package io.shardscore.job.input;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * An Iceberg Hadoop catalog on the local file system, registered in a running session: catalogs are
 * looked up when first used, so a test can add one under a name of its own.
 */
final class IcebergCatalog {
  private IcebergCatalog() {}

  /** Registers catalog {@code name} with its warehouse at {@code warehouse}; returns the name. */
  static String hadoop(SparkSession spark, String name, Path warehouse) {
    String prefix = "spark.sql.catalog." + name;
    spark.conf().set(prefix, "org.apache.iceberg.spark.SparkCatalog");
    spark.conf().set(prefix + ".type", "hadoop");
    spark.conf().set(prefix + ".warehouse", warehouse.toString());
    return name;
  }
}
