package io.shardscore.job.table;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.OutputConfig;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.CatalogManager;
import org.apache.spark.sql.connector.catalog.CatalogPlugin;

/**
 * {@code output.table}: a catalog table that shows exactly the scored rows of the newest committed
 * version of an output, for SQL and BI users. It is refreshed once a commit's files are all in
 * place and before the files the commit superseded are deleted, in one table commit that switches
 * from the previous version's file set to the new one's; nothing is registered before the commit
 * point or for a failed run. A refresh a crash prevented is done by the next run before it scores.
 *
 * <p>Only Iceberg catalogs can hold such a table (a table over a chosen set of files, replaced
 * atomically); the Iceberg classes are loaded only when one is named ({@link IcebergOutputTable}).
 */
public final class OutputTable {
  /** Table property naming the output root whose commits the table shows. */
  public static final String OUTPUT_PROPERTY = "shardscore.output";

  /** Snapshot summary property: the output's manifest version the snapshot shows. */
  public static final String VERSION_PROPERTY = "shardscore.version";

  /** Snapshot summary property: the commit id of that manifest version. */
  public static final String COMMIT_PROPERTY = "shardscore.commit-id";

  private static final String ICEBERG_CATALOG = "org.apache.iceberg.spark.source.HasIcebergCatalog";

  private final String name;
  private final IcebergOutputTable iceberg;

  private OutputTable(String name, IcebergOutputTable iceberg) {
    this.name = name;
    this.iceberg = iceberg;
  }

  /**
   * The table {@code output.table} names, its catalog resolved in {@code spark}; empty when none is
   * set. Throws a {@link JobConfigException} naming the problem when the name cannot be parsed, its
   * catalog is not registered, or the catalog is not an Iceberg catalog.
   */
  public static Optional<OutputTable> of(SparkSession spark, OutputConfig out) {
    if (out == null || !out.hasTable()) {
      return Optional.empty();
    }
    String name = out.table().trim();
    List<String> parts;
    try {
      parts =
          scala.jdk.javaapi.CollectionConverters.asJava(
              spark.sessionState().sqlParser().parseMultipartIdentifier(name));
    } catch (org.apache.spark.sql.catalyst.parser.ParseException | RuntimeException e) {
      throw new JobConfigException(
          "output.table '"
              + name
              + "' is not a table name: "
              + e.getMessage()
              + ". Name it catalog.db.table, e.g. 'lake.db.scores'.");
    }
    CatalogManager catalogs = spark.sessionState().catalogManager();
    String catalog;
    List<String> rest;
    if (parts.size() >= 3 || parts.size() == 2 && catalogs.isCatalogRegistered(parts.get(0))) {
      catalog = parts.get(0);
      rest = parts.subList(1, parts.size());
      if (!catalogs.isCatalogRegistered(catalog) && !catalog.equals("spark_catalog")) {
        throw new JobConfigException(
            "output.table '"
                + name
                + "': catalog '"
                + catalog
                + "' is not registered in this session. Register an Iceberg catalog under that"
                + " name (spark.sql.catalog."
                + catalog
                + "=org.apache.iceberg.spark.SparkCatalog with its type and warehouse, in the job's"
                + " spark: section or --conf), or correct the name.");
      }
    } else if (parts.size() == 2) {
      catalog = catalogs.currentCatalog().name();
      rest = parts;
    } else {
      throw new JobConfigException(
          "output.table '"
              + name
              + "' names no namespace; name it catalog.db.table, e.g. 'lake.db.scores'.");
    }
    if (rest.size() < 2) {
      throw new JobConfigException(
          "output.table '"
              + name
              + "' names no namespace in catalog '"
              + catalog
              + "'; name it catalog.db.table, e.g. '"
              + catalog
              + ".db.scores'.");
    }
    CatalogPlugin plugin = catalogs.catalog(catalog);
    if (!isIceberg(plugin)) {
      throw new JobConfigException(
          "output.table '"
              + name
              + "': catalog '"
              + catalog
              + "' is "
              + plugin.getClass().getName()
              + ", not an Iceberg catalog. output.table needs one, which can hold a table over"
              + " exactly the committed files and switch it atomically (a Hadoop, Hive, REST or"
              + " Glue catalog: spark.sql.catalog.<name>=org.apache.iceberg.spark.SparkCatalog,"
              + " with Iceberg's runtime jar on the classpath). Within one session,"
              + " Shardscore.read(spark, output).createOrReplaceTempView(\"scores\") gives the same"
              + " rows without a catalog.");
    }
    return Optional.of(
        new OutputTable(
            name,
            IcebergOutputTable.open(
                spark, plugin, rest.subList(0, rest.size() - 1), rest.get(rest.size() - 1), name)));
  }

  private static boolean isIceberg(CatalogPlugin plugin) {
    try {
      return Class.forName(ICEBERG_CATALOG, false, plugin.getClass().getClassLoader())
          .isInstance(plugin);
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** The name as configured. */
  public String name() {
    return name;
  }

  /**
   * Checks, before anything is scored, that the table can show {@code root}'s commits: it does not
   * exist yet (it is created at the first refresh) or it is the table of this very output.
   */
  public void requireRegistrable(Path root) {
    iceberg.requireRegistrable(root);
  }

  /**
   * Makes the table show exactly the scored rows of {@code committed}, a committed version of
   * {@code root} whose files are all in place, in one table commit; a no-op when the table shows it
   * (or a later version) already.
   */
  public void refresh(Path root, Manifest committed) {
    iceberg.refresh(root, committed);
  }
}
