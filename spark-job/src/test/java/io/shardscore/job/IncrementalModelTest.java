package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.demo.DemoData;
import io.shardscore.job.error.Causes;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import io.shardscore.sharding.KeyRange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.internal.SQLConf$;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Model-based (stateful property) test of incremental runs. A seeded random sequence of steps
 * changes the input (rows added, removed, edited in a feature, a passthrough, a map or a nested
 * column, re-keyed, files rewritten in another order, touched, rows moved between files, files
 * added and dropped) or the job (a {@code --shards} selection, passthrough, features, stray-key
 * policies, ranges, quantile count, hash buckets, model, batch size); every step ends with an
 * incremental run into the one output under test. After every step that output must equal a clean
 * full run of the same input and configuration into a fresh output: the same shards, the same rows
 * by key with the same non-provenance columns (map and nested passthrough included), predictions
 * within 1e-6 and the same errors with their reasons. When the clean run fails (a {@code fail}
 * policy meets stray keys) the incremental run must fail the same way and leave the output as it
 * was. A {@code --shards} step must give the clean run's rows for the selected shards and keep
 * every other committed shard as it was; the next unrestricted step must again equal a clean run.
 * The expected state is kept explicitly (committed shards with their coverage and rows, the
 * committed quantile plan), so every assertion is exact.
 *
 * <p>A committed quantile plan is reused while the quantile count stays the same (README: "the
 * shard plan is stable"); the clean run then gets that plan as explicit named ranges. A changed
 * quantile count is expected to plan again from the data.
 *
 * <p>Rows are compared as canonical text of every column but {@code run_id} and {@code scored_at}
 * ({@code model_digest} included), maps by sorted key; committed files are read directly from the
 * manifest's list, and once per seed the final output is also read through {@link Shardscore#read}
 * and {@link Shardscore#readErrors}, which must agree.
 *
 * <p>The default run: 4 seeds x 50 steps = 200 steps; every step runs two jobs (incremental and
 * clean; a step that changed neither the rows nor the job reuses the previous clean run). Measured
 * on the 2-core dev machine (2026-12-01, Spark local[2], another test JVM busy on the same cores,
 * load 3-7), with the map and nested columns kept out of the output and failures resynced instead
 * of stopping, so that every step ran: 200 steps in 280 s, about 1.4 s per step (4 min 50 s for the
 * Maven invocation, CPU 5 min 15 s); not yet measured on an idle machine. A longer soak: {@code
 * -Dtest=IncrementalModelTest#soak -Dshardscore.soak.steps=N [-Dshardscore.soak.seed=S]}; a failure
 * message names the seed, the step and every step so far, and that command with them replays it.
 */
class IncrementalModelTest {
  private static final long[] SEEDS = {11, 23, 37, 41};
  private static final int STEPS_PER_SEED = 50;
  private static final double TOLERANCE = 1e-6;

  /** File modification times are set explicitly: this base plus one second per write or touch. */
  private static final long MTIME_BASE = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private static final java.util.concurrent.atomic.AtomicInteger SCENARIOS =
      new java.util.concurrent.atomic.AtomicInteger();

  @TempDir static Path dir;
  static SparkSession spark;
  static Models models;

  @BeforeAll
  static void setUp() throws IOException {
    spark = SparkTestSession.get();
    models = Models.write(dir.resolve("models"));
  }

  @Test
  void incrementalRunsEqualCleanRunsForTheFixedSeeds() {
    long started = System.nanoTime();
    int steps = 0;
    for (long seed : SEEDS) {
      steps += new Scenario(seed, STEPS_PER_SEED).run();
    }
    assertTrue(steps >= 200, "the fixed seeds run at least 200 steps, ran " + steps);
    System.err.printf(
        "IncrementalModelTest: %d steps over %d seeds in %.1f s%n",
        steps, SEEDS.length, (System.nanoTime() - started) / 1e9);
  }

  @Test
  @EnabledIfSystemProperty(named = "shardscore.soak.steps", matches = "\\d+")
  void soak() {
    int steps = Integer.parseInt(System.getProperty("shardscore.soak.steps"));
    long seed = Long.parseLong(System.getProperty("shardscore.soak.seed", "1"));
    new Scenario(seed, steps).run();
  }

  // ---------------------------------------------------------------------------------------------
  // Input rows

  /**
   * The input's columns: the demo table, an extra numeric column, a map, a nested array, a struct.
   */
  static final StructType SCHEMA =
      new StructType(
          new StructField[] {
            field("customer_id", DataTypes.LongType),
            field("name", DataTypes.StringType),
            field("country", DataTypes.StringType),
            field("segment", DataTypes.StringType),
            field("tenure_months", DataTypes.IntegerType),
            field("monthly_charges", DataTypes.DoubleType),
            field("total_charges", DataTypes.DoubleType),
            field("support_calls", DataTypes.IntegerType),
            field("late_payments", DataTypes.IntegerType),
            field("logins_30d", DataTypes.IntegerType),
            field("avg_session_minutes", DataTypes.DoubleType),
            field("discount_rate", DataTypes.DoubleType),
            field("num_products", DataTypes.IntegerType),
            field("age", DataTypes.IntegerType),
            field("credit_score", DataTypes.IntegerType),
            field("days_since_last_purchase", DataTypes.IntegerType),
            field("satisfaction", DataTypes.DoubleType),
            field("referrals", DataTypes.IntegerType),
            field("spend_by_month", DataTypes.createArrayType(DataTypes.DoubleType, true)),
            field("bonus", DataTypes.DoubleType),
            field(
                "attrs", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, true)),
            field(
                "history",
                DataTypes.createArrayType(
                    DataTypes.createArrayType(DataTypes.DoubleType, true), true)),
            field(
                "profile",
                new StructType(
                    new StructField[] {
                      field("tier", DataTypes.StringType), field("weight", DataTypes.DoubleType)
                    }))
          });

  private static StructField field(String name, DataType type) {
    return DataTypes.createStructField(name, type, true);
  }

  private static int col(String name) {
    return SCHEMA.fieldIndex(name);
  }

  /** Numeric feature columns with the range of their good values; ints have 0 decimals. */
  private record Numeric(String column, double lo, double hi, boolean integral) {
    Object good(Random r) {
      if (integral) {
        return (int) lo + r.nextInt((int) (hi - lo) + 1);
      }
      return Math.round((lo + r.nextDouble() * (hi - lo)) * 100) / 100.0;
    }
  }

  private static final List<Numeric> NUMERIC =
      List.of(
          new Numeric("tenure_months", 0, 119, true),
          new Numeric("monthly_charges", 0, 99.99, false),
          new Numeric("total_charges", 0, 9999.99, false),
          new Numeric("support_calls", 0, 11, true),
          new Numeric("late_payments", 0, 5, true),
          new Numeric("logins_30d", 0, 59, true),
          new Numeric("avg_session_minutes", 0, 89.99, false),
          new Numeric("discount_rate", 0, 0.49, false),
          new Numeric("num_products", 1, 6, true),
          new Numeric("age", 18, 79, true),
          new Numeric("credit_score", 300, 849, true),
          new Numeric("days_since_last_purchase", 0, 364, true),
          new Numeric("satisfaction", 0, 9.99, false),
          new Numeric("referrals", 0, 4, true),
          new Numeric("bonus", 0, 4.99, false));

  private static final String[] COUNTRIES = {"DE", "FR", "US", "IN", "BR"};
  private static final String[] SEGMENTS = {"consumer", "smb", "enterprise"};
  private static final String[] TIERS = {"gold", "silver", "bronze"};
  private static final String[] ATTR_KEYS = {"a", "b", "c", "d", "e"};

  /**
   * One input row: a stable id (for edits and messages) and its values in {@link #SCHEMA} order.
   */
  record Rec(int uid, List<Object> values) {
    Rec {
      values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    Long key() {
      return (Long) values.get(0);
    }

    Object get(String column) {
      return values.get(col(column));
    }

    Rec with(String column, Object value) {
      List<Object> v = new ArrayList<>(values);
      v.set(col(column), value);
      return new Rec(uid, v);
    }

    Row toRow() {
      return RowFactory.create(values.toArray());
    }

    static Rec random(Random r, int uid, Long key) {
      Object[] v = new Object[SCHEMA.size()];
      v[col("customer_id")] = key;
      v[col("name")] = "c" + uid;
      v[col("country")] = COUNTRIES[r.nextInt(COUNTRIES.length)];
      v[col("segment")] = SEGMENTS[r.nextInt(SEGMENTS.length)];
      for (Numeric n : NUMERIC) {
        v[col(n.column())] = n.good(r);
      }
      v[col("spend_by_month")] = spend(r, 6);
      v[col("attrs")] = attrs(r);
      v[col("history")] = history(r);
      v[col("profile")] = profile(r);
      // A few rows that cannot be scored, as in the demo data.
      int defect = r.nextInt(100);
      if (defect < 4) {
        v[col("monthly_charges")] = null;
      } else if (defect < 7) {
        v[col("satisfaction")] = Double.NaN;
      } else if (defect < 9) {
        v[col("spend_by_month")] = spend(r, 5);
      } else if (defect < 10) {
        List<Double> s = new ArrayList<>(spend(r, 6));
        s.set(2, null);
        v[col("spend_by_month")] = s;
      }
      return new Rec(uid, Arrays.asList(v));
    }

    static List<Double> spend(Random r, int n) {
      List<Double> s = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        s.add(r.nextInt(50_000) / 100.0);
      }
      return s;
    }

    static Map<String, Double> attrs(Random r) {
      Map<String, Double> m = new LinkedHashMap<>();
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        m.put(ATTR_KEYS[r.nextInt(ATTR_KEYS.length)], r.nextInt(1000) / 10.0);
      }
      return m;
    }

    static List<List<Double>> history(Random r) {
      if (r.nextInt(10) == 0) {
        return null;
      }
      List<List<Double>> h = new ArrayList<>();
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        List<Double> inner = new ArrayList<>();
        int m = r.nextInt(4);
        for (int j = 0; j < m; j++) {
          inner.add(r.nextInt(1000) / 10.0);
        }
        h.add(inner);
      }
      return h;
    }

    static Row profile(Random r) {
      if (r.nextInt(10) == 0) {
        return null;
      }
      return RowFactory.create(
          r.nextInt(8) == 0 ? null : TIERS[r.nextInt(TIERS.length)], r.nextInt(100) / 10.0);
    }
  }

  /**
   * Parquet without Spark jobs. Input files are written with Spark's own write support (as
   * shardscore's task writer does): footers carry the key's statistics and Spark reads the files
   * back with exactly {@link #SCHEMA}. Committed files are read back row by row.
   */
  static final class ParquetFiles {
    private static final scala.Function1<Object, Object> TO_INTERNAL =
        org.apache.spark.sql.catalyst.CatalystTypeConverters$.MODULE$.createToCatalystConverter(
            SCHEMA);

    /** Loaded once: a new Hadoop Configuration parses its XML defaults from the classpath. */
    private static final Configuration BASE = new Configuration();

    static void write(Path file, List<Rec> rows) throws IOException {
      Configuration conf = new Configuration(BASE);
      ParquetWriteSupport.setSchema(SCHEMA, conf);
      // Spark's write support reads these from the Hadoop conf, as Spark's own writer sets them.
      SQLConf$ sql = SQLConf$.MODULE$;
      conf.set(sql.PARQUET_WRITE_LEGACY_FORMAT().key(), "false");
      conf.set(sql.PARQUET_OUTPUT_TIMESTAMP_TYPE().key(), "TIMESTAMP_MICROS");
      conf.set(sql.PARQUET_FIELD_ID_WRITE_ENABLED().key(), "false");
      conf.set(sql.PARQUET_ANNOTATE_VARIANT_LOGICAL_TYPE().key(), "false");
      Files.deleteIfExists(file);
      try (ParquetWriter<InternalRow> writer =
          new Builder(new LocalOutputFile(file))
              .withConf(conf)
              .withCompressionCodec(CompressionCodecName.SNAPPY)
              .build()) {
        for (Rec r : rows) {
          writer.write((InternalRow) TO_INTERNAL.apply(r.toRow()));
        }
      }
    }

    /**
     * Appends the rows of one committed file to {@code into} and its schema to {@code schemas}; the
     * file must lie under its shard's folder.
     */
    static void read(
        Path out,
        Manifest.FileEntry entry,
        String folder,
        List<RowView> into,
        Set<String> schemas) {
      if (!entry.path().startsWith(folder)) {
        throw new AssertionError("manifest file " + entry.path() + " is not under " + folder);
      }
      // Plain options: a Hadoop Configuration per file would parse its XML defaults every time.
      try (ParquetFileReader reader =
          ParquetFileReader.open(
              new LocalInputFile(out.resolve(entry.path())),
              ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        String spark =
            reader
                .getFooter()
                .getFileMetaData()
                .getKeyValueMetaData()
                .get("org.apache.spark.sql.parquet.row.metadata");
        schemas.add(
            Arrays.stream(((StructType) DataType.fromJson(spark)).fields())
                .filter(f -> !IGNORED.contains(f.name()))
                .map(f -> f.name() + ":" + f.dataType().simpleString())
                .collect(Collectors.joining(",")));
        long rows = 0;
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          RecordReader<Group> records =
              new ColumnIOFactory()
                  .getColumnIO(schema)
                  .getRecordReader(pages, new GroupRecordConverter(schema));
          for (long i = 0; i < pages.getRowCount(); i++) {
            into.add(view(records.read(), schema));
            rows++;
          }
        }
        if (rows != entry.rows()) {
          throw new AssertionError(
              entry.path() + " holds " + rows + " rows, its manifest entry says " + entry.rows());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static RowView view(Group row, GroupType schema) {
      StringBuilder ident = new StringBuilder();
      List<Float> predictions = new ArrayList<>();
      for (int i = 0; i < schema.getFieldCount(); i++) {
        Type f = schema.getType(i);
        if (IGNORED.contains(f.getName())) {
          continue;
        }
        if (PREDICTIONS.contains(f.getName())) {
          if (f.isPrimitive()) {
            predictions.add(row.getFloat(i, 0));
          } else {
            Group list = row.getGroup(i, 0);
            for (int k = 0; k < list.getFieldRepetitionCount(0); k++) {
              predictions.add(list.getGroup(0, k).getFloat(0, 0));
            }
          }
          continue;
        }
        ident.append(f.getName()).append('=').append(text(row, i, f)).append(' ');
      }
      float[] p = new float[predictions.size()];
      for (int k = 0; k < p.length; k++) {
        p[k] = predictions.get(k);
      }
      return new RowView(ident.toString().trim(), p);
    }

    /** The same canonical text as {@link IncrementalModelTest#text(Object, DataType)}. */
    private static String text(Group parent, int field, Type type) {
      if (parent.getFieldRepetitionCount(field) == 0) {
        return "null";
      }
      if (type.isPrimitive()) {
        return switch (type.asPrimitiveType().getPrimitiveTypeName()) {
          case INT32 -> Integer.toString(parent.getInteger(field, 0));
          case INT64 -> Long.toString(parent.getLong(field, 0));
          case DOUBLE -> Double.toString(parent.getDouble(field, 0));
          case FLOAT -> Float.toString(parent.getFloat(field, 0));
          case BOOLEAN -> Boolean.toString(parent.getBoolean(field, 0));
          case BINARY -> parent.getString(field, 0);
          default -> parent.getValueToString(field, 0);
        };
      }
      Group value = parent.getGroup(field, 0);
      GroupType group = type.asGroupType();
      LogicalTypeAnnotation kind = group.getLogicalTypeAnnotation();
      if (kind instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
        Type element = group.getType(0).asGroupType().getType(0);
        List<String> items = new ArrayList<>();
        for (int k = 0; k < value.getFieldRepetitionCount(0); k++) {
          items.add(text(value.getGroup(0, k), 0, element));
        }
        return "[" + String.join(",", items) + "]";
      }
      if (kind instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
        GroupType entry = group.getType(0).asGroupType();
        TreeMap<String, String> sorted = new TreeMap<>();
        for (int k = 0; k < value.getFieldRepetitionCount(0); k++) {
          Group e = value.getGroup(0, k);
          sorted.put(text(e, 0, entry.getType(0)), text(e, 1, entry.getType(1)));
        }
        return sorted.toString();
      }
      List<String> fields = new ArrayList<>();
      for (int k = 0; k < group.getFieldCount(); k++) {
        fields.add(group.getType(k).getName() + ":" + text(value, k, group.getType(k)));
      }
      return "{" + String.join(",", fields) + "}";
    }

    private static final class Builder extends ParquetWriter.Builder<InternalRow, Builder> {
      Builder(OutputFile file) {
        super(file);
      }

      @Override
      protected Builder self() {
        return this;
      }

      @Override
      protected WriteSupport<InternalRow> getWriteSupport(Configuration conf) {
        return new ParquetWriteSupport();
      }
    }
  }

  /**
   * The input as files of rows: what the model says is on disk. Changed files are rewritten with
   * Spark as one Parquet file each (so footers carry key statistics) and get an explicit, new
   * modification time.
   */
  static final class InputFiles {
    final Path root;
    final TreeMap<String, List<Rec>> files = new TreeMap<>();
    private final Set<String> dirty = new TreeSet<>();
    private long tick;
    int nextUid;

    InputFiles(Path root) {
      this.root = root;
    }

    List<Rec> rows(String file) {
      return files.get(file);
    }

    void put(String file, List<Rec> rows) {
      files.put(file, new ArrayList<>(rows));
      dirty.add(file);
    }

    int rowCount() {
      return files.values().stream().mapToInt(List::size).sum();
    }

    Set<Long> keys() {
      Set<Long> keys = new TreeSet<>();
      files
          .values()
          .forEach(l -> l.stream().map(Rec::key).filter(Objects::nonNull).forEach(keys::add));
      return keys;
    }

    /** Every row with the file it is in. */
    List<Map.Entry<String, Rec>> all() {
      List<Map.Entry<String, Rec>> out = new ArrayList<>();
      files.forEach((f, rows) -> rows.forEach(r -> out.add(Map.entry(f, r))));
      return out;
    }

    void replace(String file, Rec old, Rec now) {
      List<Rec> rows = new ArrayList<>(files.get(file));
      rows.set(rows.indexOf(old), now);
      put(file, rows);
    }

    void touch(String file) {
      setTime(root.resolve(file));
    }

    private void setTime(Path file) {
      try {
        Files.setLastModifiedTime(file, FileTime.fromMillis(MTIME_BASE + ++tick * 1000));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Writes every changed file; a file without rows is deleted. */
    void flush() {
      try {
        Files.createDirectories(root);
        for (String name : dirty) {
          Path target = root.resolve(name);
          List<Rec> rows = files.get(name);
          if (rows == null || rows.isEmpty()) {
            files.remove(name);
            Files.deleteIfExists(target);
            continue;
          }
          Path temp = root.resolveSibling("." + name + ".tmp");
          ParquetFiles.write(temp, rows);
          Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
          setTime(target);
        }
        dirty.clear();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String describe() {
      return files.entrySet().stream()
          .map(e -> e.getKey() + ":" + e.getValue().size() + keySpan(e.getValue()))
          .collect(Collectors.joining(" "));
    }

    private static String keySpan(List<Rec> rows) {
      List<Long> keys = rows.stream().map(Rec::key).filter(Objects::nonNull).sorted().toList();
      long nulls = rows.stream().filter(r -> r.key() == null).count();
      return keys.isEmpty()
          ? "[nulls " + nulls + "]"
          : "["
              + keys.get(0)
              + ".."
              + keys.get(keys.size() - 1)
              + (nulls > 0 ? " +" + nulls + " null" : "")
              + "]";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Job configuration

  /** The models: two of width 20 (demo features) and two of width 14 (scalar features only). */
  record Models(Path demo20, Path other20, Path first14, Path second14) {
    static Models write(Path dir) throws IOException {
      float[][] scaling = DemoData.featureScaling();
      float[] mean14 = Arrays.copyOf(scaling[0], 14);
      float[] std14 = Arrays.copyOf(scaling[1], 14);
      Path other20 = dir.resolve("other20.onnx");
      OnnxMlpWriter.write(
          Mlp.seeded(77L, DemoData.WIDTH, 32, 16, 2).withInputScaling(scaling[0], scaling[1]),
          other20);
      Path first14 = dir.resolve("first14.onnx");
      OnnxMlpWriter.write(Mlp.seeded(5L, 14, 16, 2).withInputScaling(mean14, std14), first14);
      Path second14 = dir.resolve("second14.onnx");
      OnnxMlpWriter.write(Mlp.seeded(6L, 14, 8, 2).withInputScaling(mean14, std14), second14);
      return new Models(SparkTestSession.model(dir), other20, first14, second14);
    }

    Path of(Features f, int variant) {
      if (f.width() == 20) {
        return variant == 0 ? demo20 : other20;
      }
      return variant == 0 ? first14 : second14;
    }
  }

  /** Feature lists; each is valid for the models of its width. */
  enum Features {
    /** The demo's 14 scalars and spend_by_month[6]. */
    DEMO(DemoData.FEATURES),
    /** The 14 scalars only. */
    SCALARS(DemoData.FEATURES.subList(0, 14)),
    /** The demo's list with 'referrals' replaced by the input's 'bonus' column. */
    BONUS(DemoData.FEATURES.stream().map(f -> f.equals("referrals") ? "bonus" : f).toList());

    final List<String> columns;

    Features(List<String> columns) {
      this.columns = List.copyOf(columns);
    }

    int width() {
      return columns.contains("spend_by_month[6]") ? 20 : 14;
    }
  }

  /** Passthrough sets; null means every input column (the default). The key is always kept. */
  private static final List<List<String>> PASSTHROUGH =
      Arrays.asList(
          null,
          List.of("customer_id", "name", "country", "attrs", "history", "profile"),
          List.of("customer_id", "name", "segment", "tenure_months", "spend_by_month", "attrs"),
          List.of("name", "customer_id", "profile", "history", "monthly_charges"));

  /** How rows are sharded. */
  record Strategy(
      String label, List<Map<String, Object>> ranges, Integer quantiles, Integer buckets) {
    static Strategy ranges(String label, String... ranges) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (String r : ranges) {
        Map<String, Object> e = new LinkedHashMap<>();
        int at = r.indexOf('=');
        if (at > 0) {
          e.put("name", r.substring(0, at));
          e.put("range", r.substring(at + 1));
        } else {
          e.put("range", r);
        }
        list.add(e);
      }
      return new Strategy(label, list, null, null);
    }

    static Strategy quantiles(int n) {
      return new Strategy("quantiles " + n, null, n, null);
    }

    static Strategy hashBuckets(int n) {
      return new Strategy("hash-buckets " + n, null, null, n);
    }
  }

  private static final List<Strategy> RANGE_PLANS =
      List.of(
          Strategy.ranges("R1", "0-99", "100-199", "200-299", "300-399"),
          Strategy.ranges("R2", "0-149", "150-299", "300-399"),
          Strategy.ranges("R3", "0-99", "100-199", "200-299", "300-449", "900-999"),
          Strategy.ranges("R4", "low=0-199", "high=200-399"));

  private static final String[] POLICIES = {"shard", "errors", "fail"};

  /** Everything about a job that a step may change. */
  record Spec(
      Strategy strategy,
      String unmatched,
      String nullKeys,
      int passthrough,
      Features features,
      int model,
      int batchSize) {
    Spec withStrategy(Strategy s) {
      return new Spec(s, unmatched, nullKeys, passthrough, features, model, batchSize);
    }

    Spec withUnmatched(String p) {
      return new Spec(strategy, p, nullKeys, passthrough, features, model, batchSize);
    }

    Spec withNullKeys(String p) {
      return new Spec(strategy, unmatched, p, passthrough, features, model, batchSize);
    }

    Spec withPassthrough(int p) {
      return new Spec(strategy, unmatched, nullKeys, p, features, model, batchSize);
    }

    Spec withFeatures(Features f) {
      return new Spec(strategy, unmatched, nullKeys, passthrough, f, model, batchSize);
    }

    Spec withModel(int m) {
      return new Spec(strategy, unmatched, nullKeys, passthrough, features, m, batchSize);
    }

    Spec withBatchSize(int b) {
      return new Spec(strategy, unmatched, nullKeys, passthrough, features, model, b);
    }

    String describe() {
      return strategy.label()
          + ", unmatched "
          + unmatched
          + ", null-keys "
          + nullKeys
          + ", passthrough P"
          + passthrough
          + ", features "
          + features
          + ", model "
          + models.of(features, model).getFileName()
          + ", batch "
          + batchSize;
    }
  }

  /** Builds the job YAML as a tree and parses it the way a job file is parsed. */
  static final class JobYaml {
    private static final ObjectMapper YAML =
        new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
    private final Map<String, Object> root = new LinkedHashMap<>();

    static JobYaml of(Spec spec, Path input, Path output, String mode) {
      JobYaml y = new JobYaml();
      y.section("input").put("path", input.toString());
      y.section("output").put("path", output.toString());
      y.section("output").put("mode", mode);
      Map<String, Object> sharding = y.section("sharding");
      sharding.put("key", "customer_id");
      Strategy s = spec.strategy();
      if (s.ranges() != null) {
        sharding.put("ranges", s.ranges());
      } else if (s.quantiles() != null) {
        sharding.put("quantiles", s.quantiles());
      } else {
        sharding.put("hash-buckets", s.buckets());
      }
      sharding.put("unmatched", spec.unmatched());
      sharding.put("null-keys", spec.nullKeys());
      sharding.put("max-rows-per-partition", 60);
      Map<String, Object> model = y.section("model");
      model.put("path", models.of(spec.features(), spec.model()).toString());
      model.put("features", spec.features().columns);
      Map<String, Object> scoring = y.section("scoring");
      scoring.put("batch-size", spec.batchSize());
      scoring.put("max-error-fraction", 1.0);
      List<String> passthrough = PASSTHROUGH.get(spec.passthrough());
      if (passthrough != null) {
        scoring.put("passthrough", passthrough);
      }
      return y;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> section(String name) {
      return (Map<String, Object>) root.computeIfAbsent(name, k -> new LinkedHashMap<>());
    }

    String text() {
      try {
        return YAML.writeValueAsString(root);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    JobConfig parse(String label) {
      return JobConfigReader.parse(text(), label);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Outputs as the model sees them

  /** One output row: its non-prediction columns as canonical text, and its predictions. */
  record RowView(String ident, float[] predictions) {}

  /** A committed shard: what it covers and its rows, each list sorted by ident. */
  record ShardContent(String covers, List<RowView> data, List<RowView> errors) {}

  /** A committed output: its shards by name and the schemas of its data and errors. */
  record Output(Map<String, ShardContent> shards, String dataSchema, String errorSchema) {
    static final Output NONE = new Output(Map.of(), "", "");
  }

  private static final Set<String> IGNORED = Set.of("run_id", "scored_at", "shard");
  private static final Set<String> PREDICTIONS = Set.of("probabilities", "score");

  /**
   * Reads the committed output: exactly the files its manifest lists, each read directly from its
   * Parquet footer and row groups (no Spark job), grouped by the manifest's shard entries.
   */
  static Output read(Path out) {
    Manifest m = Shardscore.manifest(spark, out.toString()).orElse(null);
    if (m == null) {
      return Output.NONE;
    }
    Map<String, String> covers = new TreeMap<>();
    m.plan().shards().forEach(p -> covers.put(p.name(), p.covers()));
    Set<String> dataSchemas = new TreeSet<>();
    Set<String> errorSchemas = new TreeSet<>();
    Map<String, ShardContent> shards = new TreeMap<>();
    for (Manifest.ShardEntry e : m.shards()) {
      List<RowView> data = new ArrayList<>();
      List<RowView> errors = new ArrayList<>();
      e.files()
          .forEach(f -> ParquetFiles.read(out, f, "shard=" + e.name() + "/", data, dataSchemas));
      e.errorFiles()
          .forEach(
              f ->
                  ParquetFiles.read(
                      out, f, "_errors/shard=" + e.name() + "/", errors, errorSchemas));
      shards.put(e.name(), new ShardContent(covers.get(e.name()), sorted(data), sorted(errors)));
    }
    return new Output(shards, String.join(" | ", dataSchemas), String.join(" | ", errorSchemas));
  }

  /**
   * The same output read through the library's own readers, {@link Shardscore#read} and {@link
   * Shardscore#readErrors}, grouped by their {@code shard} column; schemas are left out.
   */
  static Output readWithSpark(Path out) {
    Manifest m = Shardscore.manifest(spark, out.toString()).orElse(null);
    if (m == null) {
      return Output.NONE;
    }
    Map<String, String> covers = new TreeMap<>();
    m.plan().shards().forEach(p -> covers.put(p.name(), p.covers()));
    Map<String, List<RowView>> data = new TreeMap<>();
    Map<String, List<RowView>> errors = new TreeMap<>();
    views(Shardscore.read(spark, out.toString()), data);
    views(Shardscore.readErrors(spark, out.toString()), errors);
    Map<String, ShardContent> shards = new TreeMap<>();
    for (Manifest.ShardEntry e : m.shards()) {
      shards.put(
          e.name(),
          new ShardContent(
              covers.get(e.name()),
              sorted(data.remove(e.name())),
              sorted(errors.remove(e.name()))));
    }
    if (!data.isEmpty() || !errors.isEmpty()) {
      throw new AssertionError(
          "rows of shards the manifest does not list: " + data.keySet() + " " + errors.keySet());
    }
    return new Output(shards, "", "");
  }

  private static List<RowView> sorted(List<RowView> rows) {
    List<RowView> l = rows == null ? new ArrayList<>() : new ArrayList<>(rows);
    l.sort(Comparator.comparing(RowView::ident));
    return List.copyOf(l);
  }

  /** Groups the rows of {@code frame} by its {@code shard} column into {@code into}. */
  private static void views(Dataset<Row> frame, Map<String, List<RowView>> into) {
    StructType schema = frame.schema();
    if (schema.isEmpty()) {
      return;
    }
    int shard = schema.fieldIndex("shard");
    for (Row row : frame.collectAsList()) {
      StringBuilder ident = new StringBuilder();
      List<Float> predictions = new ArrayList<>();
      for (int i = 0; i < schema.size(); i++) {
        StructField f = schema.fields()[i];
        if (IGNORED.contains(f.name())) {
          continue;
        }
        if (PREDICTIONS.contains(f.name())) {
          if (f.dataType() instanceof ArrayType) {
            row.<Float>getList(i).forEach(predictions::add);
          } else {
            predictions.add(row.getFloat(i));
          }
          continue;
        }
        ident.append(f.name()).append('=').append(text(row.get(i), f.dataType())).append(' ');
      }
      float[] p = new float[predictions.size()];
      for (int k = 0; k < p.length; k++) {
        p[k] = predictions.get(k);
      }
      into.computeIfAbsent(String.valueOf(row.get(shard)), k -> new ArrayList<>())
          .add(new RowView(ident.toString().trim(), p));
    }
  }

  /** Canonical text of a value: maps by sorted key, so entry order does not matter. */
  private static String text(Object v, DataType t) {
    if (v == null) {
      return "null";
    }
    if (t instanceof ArrayType a) {
      List<?> list =
          v instanceof scala.collection.Seq<?> s ? CollectionConverters.asJava(s) : (List<?>) v;
      return list.stream()
          .map(e -> text(e, a.elementType()))
          .collect(Collectors.joining(",", "[", "]"));
    }
    if (t instanceof MapType m) {
      Map<?, ?> map =
          v instanceof scala.collection.Map<?, ?> s
              ? CollectionConverters.asJava(s)
              : (Map<?, ?>) v;
      TreeMap<String, String> sorted = new TreeMap<>();
      map.forEach((k, x) -> sorted.put(text(k, m.keyType()), text(x, m.valueType())));
      return sorted.toString();
    }
    if (t instanceof StructType s) {
      Row r = (Row) v;
      return IntStream.range(0, s.size())
          .mapToObj(i -> s.fields()[i].name() + ":" + text(r.get(i), s.fields()[i].dataType()))
          .collect(Collectors.joining(",", "{", "}"));
    }
    return v.toString();
  }

  /** Null when equal; otherwise what differs, briefly. */
  static String diff(Output expected, Output actual) {
    List<String> d = new ArrayList<>();
    if (!expected.dataSchema().equals(actual.dataSchema())) {
      d.add(
          "data columns: expected ["
              + expected.dataSchema()
              + "], got ["
              + actual.dataSchema()
              + "]");
    }
    if (!expected.errorSchema().equals(actual.errorSchema())) {
      d.add(
          "error columns: expected ["
              + expected.errorSchema()
              + "], got ["
              + actual.errorSchema()
              + "]");
    }
    if (!expected.shards().keySet().equals(actual.shards().keySet())) {
      d.add(
          "committed shards: expected "
              + expected.shards().keySet()
              + ", got "
              + actual.shards().keySet());
    }
    for (String name : new TreeSet<>(expected.shards().keySet())) {
      ShardContent e = expected.shards().get(name);
      ShardContent a = actual.shards().get(name);
      if (a == null) {
        continue;
      }
      if (!Objects.equals(e.covers(), a.covers())) {
        d.add("shard " + name + " covers: expected " + e.covers() + ", got " + a.covers());
      }
      rows("shard " + name + " data", e.data(), a.data(), d);
      rows("shard " + name + " errors", e.errors(), a.errors(), d);
    }
    return d.isEmpty() ? null : String.join("\n    ", d);
  }

  private static void rows(
      String what, List<RowView> expected, List<RowView> actual, List<String> d) {
    Map<String, RowView> e = new TreeMap<>();
    expected.forEach(r -> e.put(r.ident(), r));
    Map<String, RowView> a = new TreeMap<>();
    actual.forEach(r -> a.put(r.ident(), r));
    List<String> problems = new ArrayList<>();
    if (e.size() != expected.size() || a.size() != actual.size()) {
      problems.add("duplicate rows (expected " + expected.size() + ", got " + actual.size() + ")");
    }
    for (String k : e.keySet()) {
      if (!a.containsKey(k)) {
        problems.add("missing " + k);
      } else if (!close(e.get(k).predictions(), a.get(k).predictions())) {
        problems.add(
            "predictions of "
                + k
                + ": expected "
                + Arrays.toString(e.get(k).predictions())
                + ", got "
                + Arrays.toString(a.get(k).predictions()));
      }
    }
    for (String k : a.keySet()) {
      if (!e.containsKey(k)) {
        problems.add("unexpected " + k);
      }
    }
    if (!problems.isEmpty()) {
      d.add(
          what
              + " (expected "
              + expected.size()
              + " rows, got "
              + actual.size()
              + "), "
              + problems.size()
              + " differences, first: "
              + String.join("\n      ", problems.subList(0, Math.min(3, problems.size()))));
    }
  }

  private static boolean close(float[] a, float[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (!(Math.abs(a[i] - b[i]) <= TOLERANCE)) {
        return false;
      }
    }
    return true;
  }

  /** What a run ended with: null failure when it returned; else the exception's kind. */
  record Outcome(String failure, boolean committed, RuntimeException error) {
    static Outcome of(JobConfig cfg, Set<String> shards) {
      try {
        ScoreResult r = Shardscore.job(spark, cfg).shards(shards).execute();
        return new Outcome(null, r.committed(), null);
      } catch (ScoringFailedException e) {
        return new Outcome("ScoringFailedException " + e.reason(), false, e);
      } catch (JobConfigException e) {
        return new Outcome("JobConfigException", false, e);
      } catch (RuntimeException e) {
        return new Outcome("unexpected " + e.getClass().getName(), false, e);
      }
    }

    boolean ok() {
      return failure == null;
    }

    String describe() {
      return ok()
          ? (committed ? "committed" : "nothing to commit")
          : failure + ": " + Causes.rootMessage(error);
    }
  }

  /** The manifest version and listed files (with size and CRC) of an output, for before/after. */
  static String commitState(Path out) {
    return Shardscore.manifest(spark, out.toString())
        .map(
            m ->
                "version "
                    + m.version()
                    + " "
                    + m.shards().stream()
                        .flatMap(s -> Stream.concat(s.files().stream(), s.errorFiles().stream()))
                        .map(f -> f.path() + ":" + f.bytes() + ":" + f.crc32c())
                        .sorted()
                        .toList())
        .orElse("no commit");
  }

  /** Every file the manifest lists exists with its recorded size; null when so. */
  static String missingFiles(Path out) {
    Manifest m = Shardscore.manifest(spark, out.toString()).orElse(null);
    if (m == null) {
      return null;
    }
    List<String> bad = new ArrayList<>();
    for (Manifest.ShardEntry s : m.shards()) {
      for (Manifest.FileEntry f :
          Stream.concat(s.files().stream(), s.errorFiles().stream()).toList()) {
        Path p = out.resolve(f.path());
        try {
          if (!Files.exists(p) || Files.size(p) != f.bytes()) {
            bad.add(f.path());
          }
        } catch (IOException e) {
          bad.add(f.path() + " (" + e + ")");
        }
      }
    }
    return bad.isEmpty() ? null : "manifest version " + m.version() + " lists missing files " + bad;
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The scenario: random steps, the expected state, the checks

  /** A quantile plan as committed: the count it was made for and its named ranges. */
  record QuantilePlan(int count, List<Map<String, Object>> ranges) {}

  static final class Scenario {
    private final long seed;
    private final int steps;
    private final Random rng;
    private final Path base;
    private final InputFiles input;
    private final Path out;
    private final List<String> log = new ArrayList<>();

    private Spec spec;

    /** The spec of the output's last commit; null before the first. */
    private Spec committedSpec;

    /** What the output under test must hold. */
    private Output expected = Output.NONE;

    /** The quantile plan the output under test has committed, if its plan is one. */
    private QuantilePlan quantilePlan;

    private boolean lastFailed;

    Scenario(long seed, int steps) {
      this.seed = seed;
      this.steps = steps;
      this.rng = new Random(seed);
      this.base = dir.resolve("seed-" + seed + "-" + SCENARIOS.incrementAndGet());
      this.input = new InputFiles(base.resolve("input"));
      this.out = base.resolve("scores");
      this.spec = new Spec(RANGE_PLANS.get(0), "errors", "errors", 0, Features.DEMO, 0, 16);
    }

    /** Runs every step; returns how many ran. */
    int run() {
      initialInput();
      for (int step = 0; step < steps; step++) {
        Step s = step == 0 ? new Step("initial input " + input.describe(), false) : next();
        input.flush();
        check(step, s);
      }
      // The direct reader of this test agrees with the library's readers on the final output.
      Output direct = read(out);
      String d = diff(new Output(direct.shards(), "", ""), readWithSpark(out));
      if (d != null) {
        fail(
            steps - 1,
            "Shardscore.read/readErrors disagree with the manifest's files:\n    " + d,
            null);
      }
      deleteTree(base);
      return steps;
    }

    /** About 300 rows in 5 key-clustered files, with null keys and keys outside the ranges. */
    private void initialInput() {
      List<Long> keys = new ArrayList<>();
      for (long k = 0; k < 400; k++) {
        if (rng.nextInt(4) != 0) {
          keys.add(k);
        }
      }
      List<List<Rec>> files = new ArrayList<>();
      int per = (keys.size() + 4) / 5;
      for (int f = 0; f < 5; f++) {
        List<Rec> rows = new ArrayList<>();
        for (Long k :
            keys.subList(Math.min(keys.size(), f * per), Math.min(keys.size(), (f + 1) * per))) {
          rows.add(Rec.random(rng, input.nextUid++, k));
        }
        files.add(rows);
      }
      for (int i = 0; i < 8; i++) {
        files.get(i % 2 == 0 ? 1 : 3).add(Rec.random(rng, input.nextUid++, null));
      }
      for (int i = 0; i < 6; i++) {
        // Mostly in the last file; one in the middle file, which then spans every shard.
        files.get(i == 0 ? 2 : 4).add(Rec.random(rng, input.nextUid++, 900L + rng.nextInt(100)));
      }
      for (int f = 0; f < files.size(); f++) {
        Collections.shuffle(files.get(f), rng);
        input.put("f" + f + ".parquet", files.get(f));
      }
    }

    record Step(String what, boolean selectShards) {}

    private Step next() {
      int roll = rng.nextInt(100);
      if (lastFailed && rng.nextInt(10) < 4 && failingPolicy()) {
        return new Step(fixPolicy(), false);
      }
      if (roll < 66) {
        return new Step(mutateInput(), false);
      }
      if (roll < 74) {
        if (expected != Output.NONE && spec.equals(committedSpec)) {
          return new Step(mutateInput() + "; run with --shards", true);
        }
        return new Step(mutateInput(), false);
      }
      String before = spec.describe();
      String what = changeSpec(rng.nextInt(9));
      return new Step(what + " (was: " + before + ")", false);
    }

    private boolean failingPolicy() {
      return spec.unmatched().equals("fail") || spec.nullKeys().equals("fail");
    }

    private String fixPolicy() {
      String p = rng.nextBoolean() ? "shard" : "errors";
      if (spec.unmatched().equals("fail")) {
        spec = spec.withUnmatched(p);
        return "config: unmatched " + p;
      }
      spec = spec.withNullKeys(p);
      return "config: null-keys " + p;
    }

    private String changeSpec(int kind) {
      switch (kind) {
        case 0 -> {
          int p =
              (spec.passthrough() + 1 + rng.nextInt(PASSTHROUGH.size() - 1)) % PASSTHROUGH.size();
          spec = spec.withPassthrough(p);
          return "config: passthrough P" + p + " " + PASSTHROUGH.get(p);
        }
        case 1 -> {
          Features[] all = Features.values();
          Features f =
              all[(spec.features().ordinal() + 1 + rng.nextInt(all.length - 1)) % all.length];
          spec = spec.withFeatures(f);
          return "config: features "
              + f
              + " (model "
              + models.of(f, spec.model()).getFileName()
              + ")";
        }
        case 2 -> {
          String p = POLICIES[rng.nextInt(POLICIES.length)];
          spec = spec.withUnmatched(p);
          return "config: unmatched " + p;
        }
        case 3 -> {
          String p = POLICIES[rng.nextInt(POLICIES.length)];
          spec = spec.withNullKeys(p);
          return "config: null-keys " + p;
        }
        case 4 -> {
          if (spec.strategy().quantiles() != null && rng.nextBoolean()) {
            return changeSpec(5);
          }
          Strategy s = RANGE_PLANS.get(rng.nextInt(RANGE_PLANS.size()));
          spec = spec.withStrategy(s);
          return "config: ranges " + s.label() + " " + s.ranges();
        }
        case 5 -> {
          Integer now = spec.strategy().quantiles();
          int n = 2 + rng.nextInt(4);
          if (now != null && n == now) {
            n = n == 5 ? 2 : n + 1;
          }
          spec = spec.withStrategy(Strategy.quantiles(n));
          return "config: quantiles " + n + (now == null ? "" : " (count was " + now + ")");
        }
        case 6 -> {
          spec = spec.withStrategy(Strategy.hashBuckets(3));
          return "config: hash-buckets 3";
        }
        case 7 -> {
          spec = spec.withModel(1 - spec.model());
          return "config: model " + models.of(spec.features(), spec.model()).getFileName();
        }
        default -> {
          int b = new int[] {7, 16, 64}[rng.nextInt(3)];
          spec = spec.withBatchSize(b);
          return "config: batch-size " + b + " (changes no prediction)";
        }
      }
    }

    // --- input mutations ---------------------------------------------------------------------

    private String mutateInput() {
      int roll = rng.nextInt(100);
      if (roll < 15) {
        return addRows();
      } else if (roll < 25 && input.rowCount() > 150) {
        return removeRows();
      } else if (roll < 38) {
        return editFeature();
      } else if (roll < 46) {
        return editPassthrough();
      } else if (roll < 55) {
        return editMap();
      } else if (roll < 64) {
        return editNested();
      } else if (roll < 69) {
        return rekey();
      } else if (roll < 76) {
        return rewriteShuffled();
      } else if (roll < 83) {
        return touch();
      } else if (roll < 93) {
        return moveRows();
      } else if (roll < 96 && input.files.size() < 6) {
        return addFile();
      } else if (roll < 100 && input.files.size() > 4 && input.rowCount() > 200) {
        return dropFile();
      }
      return addRows();
    }

    private String randomFile() {
      List<String> names = new ArrayList<>(input.files.keySet());
      return names.get(rng.nextInt(names.size()));
    }

    private Map.Entry<String, Rec> randomRow() {
      List<Map.Entry<String, Rec>> all = input.all();
      return all.get(rng.nextInt(all.size()));
    }

    /** A key no row has: mostly inside 0-449, sometimes outside every range, sometimes null. */
    private Long newKey() {
      int kind = rng.nextInt(20);
      if (kind == 0) {
        return null;
      }
      Set<Long> used = input.keys();
      for (int tries = 0; tries < 1000; tries++) {
        long k =
            kind == 1
                ? 900 + rng.nextInt(100)
                : kind == 2 ? 450 + rng.nextInt(400) : rng.nextInt(450);
        if (!used.contains(k)) {
          return k;
        }
      }
      return 10_000L + input.nextUid;
    }

    /** The file whose keys are nearest to {@code key} (clustered input), or any file. */
    private String fileFor(Long key) {
      if (key == null || rng.nextInt(5) == 0) {
        return randomFile();
      }
      String best = null;
      long bestDistance = Long.MAX_VALUE;
      for (Map.Entry<String, List<Rec>> e : input.files.entrySet()) {
        for (Rec r : e.getValue()) {
          if (r.key() != null && Math.abs(r.key() - key) < bestDistance) {
            bestDistance = Math.abs(r.key() - key);
            best = e.getKey();
          }
        }
      }
      return best == null ? randomFile() : best;
    }

    private String addRows() {
      int n = 1 + rng.nextInt(5);
      List<String> done = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Long key = newKey();
        String file = fileFor(key);
        List<Rec> rows = new ArrayList<>(input.rows(file));
        Rec rec = Rec.random(rng, input.nextUid++, key);
        rows.add(rng.nextInt(rows.size() + 1), rec);
        input.put(file, rows);
        done.add("c" + rec.uid() + " key " + key + " -> " + file);
      }
      return "add " + n + " rows: " + done;
    }

    private String removeRows() {
      int n = 1 + rng.nextInt(3);
      List<String> done = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Map.Entry<String, Rec> e = randomRow();
        List<Rec> rows = new ArrayList<>(input.rows(e.getKey()));
        rows.remove(e.getValue());
        input.put(e.getKey(), rows);
        done.add("c" + e.getValue().uid() + " key " + e.getValue().key() + " from " + e.getKey());
      }
      return "remove " + n + " rows: " + done;
    }

    private String editFeature() {
      Map.Entry<String, Rec> e = randomRow();
      Rec r = e.getValue();
      int pick = rng.nextInt(NUMERIC.size() + 2);
      Rec now;
      String what;
      if (pick >= NUMERIC.size()) {
        int kind = rng.nextInt(6);
        List<Double> spend = kind == 0 ? Rec.spend(rng, 5) : kind == 1 ? null : Rec.spend(rng, 6);
        if (kind == 2) {
          spend.set(rng.nextInt(6), null);
        }
        now = r.with("spend_by_month", spend);
        what = "spend_by_month = " + spend;
      } else {
        Numeric n = NUMERIC.get(pick);
        int kind = rng.nextInt(10);
        Object v =
            kind == 0 ? null : kind == 1 && !n.integral() ? (Object) Double.NaN : n.good(rng);
        now = r.with(n.column(), v);
        what = n.column() + " = " + v;
      }
      input.replace(e.getKey(), r, now);
      return "edit feature of c" + r.uid() + " (key " + r.key() + ", " + e.getKey() + "): " + what;
    }

    private String editPassthrough() {
      Map.Entry<String, Rec> e = randomRow();
      Rec r = e.getValue();
      Rec now;
      String what;
      switch (rng.nextInt(3)) {
        case 0 -> {
          String name = "c" + r.uid() + "." + input.nextUid++;
          now = r.with("name", name);
          what = "name = " + name;
        }
        case 1 -> {
          String c = COUNTRIES[rng.nextInt(COUNTRIES.length)];
          now = r.with("country", c);
          what = "country = " + c;
        }
        default -> {
          String s = rng.nextInt(6) == 0 ? null : SEGMENTS[rng.nextInt(SEGMENTS.length)];
          now = r.with("segment", s);
          what = "segment = " + s;
        }
      }
      input.replace(e.getKey(), r, now);
      return "edit passthrough of c"
          + r.uid()
          + " (key "
          + r.key()
          + ", "
          + e.getKey()
          + "): "
          + what;
    }

    @SuppressWarnings("unchecked")
    private String editMap() {
      Map.Entry<String, Rec> e = randomRow();
      Rec r = e.getValue();
      Map<String, Double> old = (Map<String, Double>) r.get("attrs");
      Map<String, Double> m = old == null ? new LinkedHashMap<>() : new LinkedHashMap<>(old);
      String what;
      int kind = rng.nextInt(5);
      if (kind == 0 && m.size() > 1) {
        // Same entries in another order: the same content.
        List<Map.Entry<String, Double>> entries = new ArrayList<>(m.entrySet());
        Collections.reverse(entries);
        m = new LinkedHashMap<>();
        for (Map.Entry<String, Double> x : entries) {
          m.put(x.getKey(), x.getValue());
        }
        what = "same entries reordered " + m;
      } else if (kind == 1 && !m.isEmpty()) {
        String k = m.keySet().iterator().next();
        m.remove(k);
        what = "remove '" + k + "'";
      } else if (kind == 2 && !m.isEmpty()) {
        String k = new ArrayList<>(m.keySet()).get(rng.nextInt(m.size()));
        Double v = rng.nextInt(5) == 0 ? null : rng.nextInt(1000) / 10.0;
        m.put(k, v);
        what = "'" + k + "' = " + v;
      } else if (kind == 3) {
        m = rng.nextBoolean() ? null : new LinkedHashMap<>();
        what = "map = " + m;
      } else {
        String k = ATTR_KEYS[rng.nextInt(ATTR_KEYS.length)];
        double v = rng.nextInt(1000) / 10.0;
        m.put(k, v);
        what = "put '" + k + "' = " + v;
      }
      input.replace(e.getKey(), r, r.with("attrs", m));
      return "edit map of c" + r.uid() + " (key " + r.key() + ", " + e.getKey() + "): " + what;
    }

    @SuppressWarnings("unchecked")
    private String editNested() {
      Map.Entry<String, Rec> e = randomRow();
      Rec r = e.getValue();
      Rec now;
      String what;
      if (rng.nextBoolean()) {
        List<List<Double>> old = (List<List<Double>>) r.get("history");
        List<List<Double>> h = new ArrayList<>();
        if (old != null) {
          old.forEach(x -> h.add(x == null ? null : new ArrayList<>(x)));
        }
        int inner = h.isEmpty() ? -1 : rng.nextInt(h.size());
        if (inner >= 0 && h.get(inner) != null && !h.get(inner).isEmpty() && rng.nextBoolean()) {
          int at = rng.nextInt(h.get(inner).size());
          h.get(inner).set(at, rng.nextInt(1000) / 10.0);
          what = "history[" + inner + "][" + at + "] changed";
        } else if (inner >= 0 && rng.nextBoolean()) {
          List<Double> x = h.get(inner) == null ? new ArrayList<>() : h.get(inner);
          x.add(rng.nextInt(1000) / 10.0);
          h.set(inner, x);
          what = "history[" + inner + "] appended";
        } else {
          h.add(List.of(rng.nextInt(1000) / 10.0));
          what = "history gets an inner array";
        }
        now = r.with("history", h);
        what += " -> " + h;
      } else {
        Row p = (Row) r.get("profile");
        Row np =
            p == null || rng.nextBoolean()
                ? RowFactory.create(TIERS[rng.nextInt(TIERS.length)], p == null ? 1.0 : p.get(1))
                : RowFactory.create(p.get(0), rng.nextInt(100) / 10.0);
        now = r.with("profile", np);
        what = "profile = " + np;
      }
      input.replace(e.getKey(), r, now);
      return "edit nested of c" + r.uid() + " (key " + r.key() + ", " + e.getKey() + "): " + what;
    }

    private String rekey() {
      Map.Entry<String, Rec> e = randomRow();
      Long key = newKey();
      input.replace(e.getKey(), e.getValue(), e.getValue().with("customer_id", key));
      return "re-key c"
          + e.getValue().uid()
          + " in "
          + e.getKey()
          + ": "
          + e.getValue().key()
          + " -> "
          + key;
    }

    private String rewriteShuffled() {
      String file = randomFile();
      List<Rec> rows = new ArrayList<>(input.rows(file));
      Collections.shuffle(rows, rng);
      input.put(file, rows);
      return "rewrite " + file + " with the same rows in another order";
    }

    private String touch() {
      String file = randomFile();
      input.touch(file);
      return "touch " + file + " (same bytes, new modification time)";
    }

    private String moveRows() {
      List<String> names = new ArrayList<>(input.files.keySet());
      String from = names.get(rng.nextInt(names.size()));
      String to =
          names.get((names.indexOf(from) + 1 + rng.nextInt(names.size() - 1)) % names.size());
      List<Rec> source = new ArrayList<>(input.rows(from));
      List<Rec> target = new ArrayList<>(input.rows(to));
      int n = Math.min(source.size() - 1, 1 + rng.nextInt(6));
      List<String> moved = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Rec r = source.remove(rng.nextInt(source.size()));
        target.add(rng.nextInt(target.size() + 1), r);
        moved.add("c" + r.uid() + "/" + r.key());
      }
      input.put(from, source);
      input.put(to, target);
      return "move " + n + " rows " + from + " -> " + to + ": " + moved;
    }

    private String addFile() {
      String name = "f" + input.nextUid++ + ".parquet";
      int n = 3 + rng.nextInt(8);
      long start = rng.nextInt(440);
      List<Rec> rows = new ArrayList<>();
      Set<Long> used = input.keys();
      for (int i = 0; i < n; i++) {
        Long key = start + rng.nextInt(30);
        if (used.contains(key)) {
          key = newKey();
        }
        used.add(key);
        rows.add(Rec.random(rng, input.nextUid++, key));
      }
      input.put(name, rows);
      return "add file " + name + " with " + n + " new rows near key " + start;
    }

    private String dropFile() {
      String file = randomFile();
      int n = input.rows(file).size();
      input.put(file, List.of());
      return "delete " + file + " and its " + n + " rows";
    }

    // --- checks ----------------------------------------------------------------------------

    /** A clean run's result, kept while neither the input's rows nor the job change. */
    record CleanRun(
        List<Rec> content, Spec spec, Outcome outcome, Output output, QuantilePlan plan) {}

    private CleanRun lastClean;

    /**
     * A clean full run of the current input and job into a fresh output. A step that changed
     * neither the rows (a touch, a rewrite in another order, rows moved between files) nor the job
     * reuses the previous step's clean run: a full run does not depend on the file layout.
     */
    private CleanRun cleanRun(int step, Spec cleanSpec) {
      List<Rec> content =
          input.all().stream()
              .map(Map.Entry::getValue)
              .sorted(Comparator.comparing(Rec::uid))
              .toList();
      if (lastClean != null
          && lastClean.spec().equals(cleanSpec)
          && lastClean.content().equals(content)) {
        return lastClean;
      }
      Path cleanOut = base.resolve("clean-" + step);
      Outcome outcome =
          Outcome.of(
              JobYaml.of(cleanSpec, input.root, cleanOut, "error-if-exists").parse("clean run"),
              Set.of());
      Output output = null;
      QuantilePlan plan = null;
      if (outcome.ok()) {
        output = read(cleanOut);
        if (cleanSpec.strategy().quantiles() != null) {
          plan = new QuantilePlan(cleanSpec.strategy().quantiles(), plannedRanges(cleanOut));
        }
      }
      deleteTree(cleanOut);
      lastClean = new CleanRun(content, cleanSpec, outcome, output, plan);
      return lastClean;
    }

    private void check(int step, Step s) {
      // The plan a clean run must use: a committed quantile plan of the same count is reused.
      Spec cleanSpec = spec;
      boolean reusesQuantiles =
          spec.strategy().quantiles() != null
              && quantilePlan != null
              && quantilePlan.count() == spec.strategy().quantiles();
      if (reusesQuantiles) {
        cleanSpec =
            spec.withStrategy(
                new Strategy("committed quantile plan", quantilePlan.ranges(), null, null));
      }
      CleanRun cleanRun = cleanRun(step, cleanSpec);
      Outcome clean = cleanRun.outcome();
      Output cleanOutput = cleanRun.output();
      Set<String> selection = Set.of();
      if (s.selectShards()) {
        List<String> names =
            new ArrayList<>((cleanOutput != null ? cleanOutput : expected).shards().keySet());
        Collections.shuffle(names, rng);
        selection = new TreeSet<>(names.subList(0, Math.min(names.size(), 1 + rng.nextInt(2))));
      }
      log.add(
          step
              + ": "
              + s.what()
              + (selection.isEmpty() ? "" : " " + selection)
              + "\n      job: "
              + spec.describe()
              + (reusesQuantiles ? " (plan: committed quantile plan)" : ""));
      if (!clean.ok() && !clean.failure().startsWith("ScoringFailedException")) {
        fail(step, "the clean run failed unexpectedly: " + clean.describe(), clean.error());
      }

      String before = commitState(out);
      Outcome actual =
          Outcome.of(
              JobYaml.of(spec, input.root, out, "incremental").parse("incremental run"), selection);
      if (!Objects.equals(clean.failure(), actual.failure())) {
        fail(
            step,
            "the clean run "
                + clean.describe()
                + ", but the incremental run "
                + actual.describe()
                + (clean.ok()
                    ? ""
                    : "; the output under test went from ["
                        + before
                        + "] to ["
                        + commitState(out)
                        + "]"),
            actual.error());
      }
      lastFailed = !clean.ok();
      if (!clean.ok()) {
        String after = commitState(out);
        if (!before.equals(after)) {
          fail(
              step,
              "a failed run changed the output from [" + before + "] to [" + after + "]",
              null);
        }
        return;
      }
      Output want = selection.isEmpty() ? cleanOutput : merge(cleanOutput, selection);
      Output got = read(out);
      String missing = missingFiles(out);
      if (missing != null) {
        fail(step, missing, null);
      }
      String d = diff(want, got);
      if (d != null) {
        fail(
            step,
            "the output under test differs from "
                + (selection.isEmpty()
                    ? "a clean run"
                    : "the clean run's shards " + selection + " plus the kept shards")
                + " ("
                + actual.describe()
                + "):\n    "
                + d,
            null);
      }
      expected = want;
      committedSpec = spec;
      if (spec.strategy().quantiles() != null) {
        if (!reusesQuantiles) {
          quantilePlan = cleanRun.plan();
        }
      } else {
        quantilePlan = null;
      }
    }

    /**
     * After {@code --shards}: the selected shards as the clean run has them, every other shard of
     * the plan as committed before if it covers the same keys, else absent; shards that left the
     * plan are gone.
     */
    private Output merge(Output clean, Set<String> selection) {
      Map<String, ShardContent> shards = new TreeMap<>();
      clean
          .shards()
          .forEach(
              (name, content) -> {
                ShardContent before = expected.shards().get(name);
                if (selection.contains(name)) {
                  shards.put(name, content);
                } else if (before != null && before.covers().equals(content.covers())) {
                  shards.put(name, before);
                }
              });
      boolean anyData = shards.values().stream().anyMatch(x -> !x.data().isEmpty());
      boolean anyErrors = shards.values().stream().anyMatch(x -> !x.errors().isEmpty());
      return new Output(
          shards, anyData ? clean.dataSchema() : "", anyErrors ? clean.errorSchema() : "");
    }

    private static List<Map<String, Object>> plannedRanges(Path cleanOut) {
      Manifest m = Shardscore.manifest(spark, cleanOut.toString()).orElseThrow();
      List<Map<String, Object>> ranges = new ArrayList<>();
      for (Manifest.PlannedShard p : m.plan().shards()) {
        if ("planned".equals(p.role())) {
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("name", p.name());
          e.put("range", new KeyRange(p.first(), p.last()).toString());
          ranges.add(e);
        }
      }
      return ranges;
    }

    private void fail(int step, String message, Throwable cause) {
      String text =
          "seed "
              + seed
              + ", step "
              + step
              + ": "
              + message
              + "\n  replay: mvn -B -o -pl spark-job -am test -Dtest=IncrementalModelTest#soak"
              + " -Dsurefire.failIfNoSpecifiedTests=false -Dshardscore.soak.seed="
              + seed
              + " -Dshardscore.soak.steps="
              + (step + 1)
              + "\n  steps so far:\n    "
              + String.join("\n    ", log);
      throw new AssertionError(text, cause);
    }
  }
}
