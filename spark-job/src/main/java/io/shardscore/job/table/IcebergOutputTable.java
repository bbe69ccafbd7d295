package io.shardscore.job.table;

import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionData;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.spark.SparkSchemaUtil;
import org.apache.iceberg.spark.source.HasIcebergCatalog;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.CatalogPlugin;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@link OutputTable} in an Iceberg catalog: an Iceberg table partitioned by {@code shard} whose
 * data files are the output's own committed files (nothing is copied). A refresh replaces the
 * table's file set with exactly the committed version's in one {@link OverwriteFiles} commit that
 * records the version in the snapshot's summary; files of unchanged shards stay, files of removed
 * shards go. The table has {@code gc.enabled=false}: Iceberg's snapshot expiry and orphan removal
 * never delete shardscore's files (shardscore deletes what its commits supersede). The only class
 * that uses Iceberg's API, loaded only for a catalog that is Iceberg's.
 */
final class IcebergOutputTable {
  private static final Logger LOG = LogManager.getLogger(IcebergOutputTable.class);
  private static final String SHARD = "shard";
  private static final int ATTEMPTS = 4;

  private final SparkSession spark;
  private final Catalog catalog;
  private final TableIdentifier id;
  private final String name;

  private IcebergOutputTable(SparkSession spark, Catalog catalog, TableIdentifier id, String name) {
    this.spark = spark;
    this.catalog = catalog;
    this.id = id;
    this.name = name;
  }

  static IcebergOutputTable open(
      SparkSession spark, CatalogPlugin plugin, List<String> namespace, String table, String name) {
    Catalog catalog = ((HasIcebergCatalog) plugin).icebergCatalog();
    return new IcebergOutputTable(
        spark,
        catalog,
        TableIdentifier.of(Namespace.of(namespace.toArray(String[]::new)), table),
        name);
  }

  void requireRegistrable(Path root) {
    if (catalog.tableExists(id)) {
      requireOurs(catalog.loadTable(id), root);
    }
  }

  void refresh(Path root, Manifest committed) {
    for (int attempt = 1; ; attempt++) {
      try {
        if (refreshOnce(root, committed)) {
          LOG.info(
              "Table {} shows version {} of {} ({} rows)",
              name,
              committed.version(),
              root,
              committed.totalRows());
        }
        return;
      } catch (CommitFailedException | ValidationException | AlreadyExistsException e) {
        // Another refresh of this table committed first: look again (it may show this version).
        if (attempt == ATTEMPTS) {
          throw new IllegalStateException(
              "Table "
                  + name
                  + " changed under every one of "
                  + ATTEMPTS
                  + " refreshes to version "
                  + committed.version()
                  + " of "
                  + root
                  + ": "
                  + e.getMessage(),
              e);
        }
      }
    }
  }

  /** One refresh; false when the table already showed this version or a later one. */
  private boolean refreshOnce(Path root, Manifest committed) {
    Map<String, Wanted> wanted = wantedFiles(root, committed);
    Transaction tx;
    Long startingSnapshot = null;
    Map<String, DataFile> current = new HashMap<>();
    if (catalog.tableExists(id)) {
      Table table = catalog.loadTable(id);
      requireOurs(table, root);
      long shown = shown(table.currentSnapshot());
      if (shown >= committed.version()) {
        if (shown > committed.version()) {
          LOG.warn(
              "Table {} shows version {} of {}, later than version {}: left as it is",
              name,
              shown,
              root,
              committed.version());
        }
        return false;
      }
      current = currentFiles(table); // (a transaction's table cannot be scanned)
      tx = table.newTransaction();
      if (table.currentSnapshot() != null) {
        startingSnapshot = table.currentSnapshot().snapshotId();
      }
    } else {
      if (wanted.isEmpty()) {
        LOG.info(
            "Version {} of {} has no scored rows; table {} is created with the first that has some",
            committed.version(),
            root,
            name);
        return false;
      }
      tx = create(root, wanted.values().iterator().next().path());
    }
    Table table = tx.table();
    Schema schema = table.schema();
    NameMapping mapping = nameMapping(table);
    MetricsConfig metrics = MetricsConfig.forTable(table);
    PartitionSpec spec = table.spec();

    OverwriteFiles overwrite = tx.newOverwrite();
    int removed = 0;
    for (Map.Entry<String, DataFile> f : current.entrySet()) {
      if (!wanted.containsKey(f.getKey())) {
        overwrite.deleteFile(f.getValue());
        removed++;
      }
    }
    List<Wanted> added = new ArrayList<>();
    for (Wanted w : wanted.values()) {
      if (!current.containsKey(w.path())) {
        added.add(w);
      }
    }
    if (!added.isEmpty()) {
      requireSameColumns(schema, added.get(0).path(), root);
    }
    for (Wanted w : added) {
      PartitionData partition = new PartitionData(spec.partitionType());
      partition.set(0, w.shard());
      DataFile file =
          DataFiles.builder(spec)
              .withPath(w.path())
              .withFormat(FileFormat.PARQUET)
              .withFileSizeInBytes(w.file().bytes())
              .withPartition(partition)
              .withMetrics(
                  ParquetUtil.fileMetrics(table.io().newInputFile(w.path()), metrics, mapping))
              .build();
      if (file.recordCount() != w.file().rows()) {
        throw new IllegalStateException(
            w.path()
                + " holds "
                + file.recordCount()
                + " rows but version "
                + committed.version()
                + " of "
                + root
                + " records "
                + w.file().rows()
                + ": the output was changed outside shardscore; table "
                + name
                + " left as it was.");
      }
      overwrite.addFile(file);
    }
    overwrite.set(OutputTable.VERSION_PROPERTY, Long.toString(committed.version()));
    overwrite.set(OutputTable.COMMIT_PROPERTY, committed.commitKey());
    if (startingSnapshot != null) {
      overwrite.validateFromSnapshot(startingSnapshot);
    }
    overwrite.conflictDetectionFilter(Expressions.alwaysTrue());
    overwrite.validateNoConflictingData();
    overwrite.validateNoConflictingDeletes();
    overwrite.commit();
    tx.commitTransaction();
    LOG.debug("Table {}: {} files added, {} removed", name, added.size(), removed);
    return true;
  }

  /** A new table, partitioned by shard, with the columns of the output's files. */
  private Transaction create(Path root, String sampleFile) {
    StructType columns = spark.read().parquet(sampleFile).schema();
    if (columns.getFieldIndex(SHARD).isDefined()) {
      throw new IllegalStateException(
          "The output's rows have a column named '"
              + SHARD
              + "', which is the shard partition of table "
              + name
              + "; rename that passthrough column to register the output as a table.");
    }
    Schema schema = SparkSchemaUtil.convert(columns.add(SHARD, DataTypes.StringType, false));
    if (catalog instanceof SupportsNamespaces namespaces
        && !id.namespace().isEmpty()
        && !namespaces.namespaceExists(id.namespace())) {
      try {
        namespaces.createNamespace(id.namespace());
      } catch (AlreadyExistsException e) {
        // created concurrently: fine
      }
    }
    Transaction tx =
        catalog
            .buildTable(id, schema)
            .withPartitionSpec(PartitionSpec.builderFor(schema).identity(SHARD).build())
            .withProperty(OutputTable.OUTPUT_PROPERTY, root.toString())
            .withProperty(TableProperties.GC_ENABLED, "false")
            .withProperty(TableProperties.DEFAULT_FILE_FORMAT, "parquet")
            .createTransaction();
    tx.updateProperties()
        .set(
            TableProperties.DEFAULT_NAME_MAPPING,
            NameMappingParser.toJson(MappingUtil.create(tx.table().schema())))
        .commit();
    return tx;
  }

  private void requireOurs(Table table, Path root) {
    String owner = table.properties().get(OutputTable.OUTPUT_PROPERTY);
    if (owner == null) {
      throw new JobConfigException(
          "output.table "
              + name
              + " exists and is not a shardscore output table (it has no "
              + OutputTable.OUTPUT_PROPERTY
              + " property); shardscore replaces a table's files, so it never takes over a table"
              + " it did not create. Name a new table, or drop this one first.");
    }
    if (!owner.equals(root.toString())) {
      throw new JobConfigException(
          "output.table "
              + name
              + " shows the commits of "
              + owner
              + ", not of "
              + root
              + "; one table shows one output. Name another table, or drop this one first.");
    }
  }

  private void requireSameColumns(Schema schema, String sampleFile, Path root) {
    StructType table = SparkSchemaUtil.convert(schema);
    StructType tableColumns = new StructType();
    for (var f : table.fields()) {
      if (!f.name().equals(SHARD)) {
        tableColumns = tableColumns.add(f.name(), f.dataType());
      }
    }
    StructType fileColumns = new StructType();
    for (var f : spark.read().parquet(sampleFile).schema().fields()) {
      fileColumns = fileColumns.add(f.name(), f.dataType());
    }
    if (!tableColumns.equals(fileColumns)) {
      throw new IllegalStateException(
          "Table "
              + name
              + " has the columns "
              + tableColumns.simpleString()
              + " but the new files of "
              + root
              + " have "
              + fileColumns.simpleString()
              + "; the table is left at its version. Drop the table (DROP TABLE "
              + name
              + ") and rerun to register it with the new columns.");
    }
  }

  private static NameMapping nameMapping(Table table) {
    String json = table.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
    return json == null ? MappingUtil.create(table.schema()) : NameMappingParser.fromJson(json);
  }

  /** The table's live data files, by path. */
  private static Map<String, DataFile> currentFiles(Table table) {
    Map<String, DataFile> files = new HashMap<>();
    if (table.currentSnapshot() == null) {
      return files;
    }
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        files.putIfAbsent(task.file().location(), task.file());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return files;
  }

  private static long shown(Snapshot snapshot) {
    if (snapshot == null || snapshot.summary() == null) {
      return 0;
    }
    String v = snapshot.summary().get(OutputTable.VERSION_PROPERTY);
    return v == null ? 0 : Long.parseLong(v);
  }

  /** The committed data files, by absolute path. */
  private static Map<String, Wanted> wantedFiles(Path root, Manifest committed) {
    String base = root.toString().endsWith("/") ? root.toString() : root + "/";
    Map<String, Wanted> wanted = new LinkedHashMap<>();
    for (Manifest.ShardEntry s : committed.shards()) {
      for (Manifest.FileEntry f : s.files()) {
        wanted.put(base + f.path(), new Wanted(base + f.path(), s.name(), f));
      }
    }
    return wanted;
  }

  private record Wanted(String path, String shard, Manifest.FileEntry file) {}
}
