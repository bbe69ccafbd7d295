package io.shardscore.job.cli;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.shardscore.job.JobYaml;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.s3.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input through the command line, one case each: the exit code, a message that names the key or
 * path, the bad value and the fix; for configuration errors, that no Spark job ran; and that the
 * output is left exactly as it was.
 */
class BadInputMatrixTest {
  @TempDir static Path dir;
  static Path input;
  static Path model;
  static Path committed;

  static S3Server s3;

  @BeforeAll
  static void fixtures() throws Exception {
    s3 = S3Server.start(dir.resolve("s3"));
    s3.createBucket("locked");
    SparkSession spark = SparkTestSession.get();
    input = SparkTestSession.customers(dir, 2_000);
    model = SparkTestSession.model(dir);
    committed = dir.resolve("committed");
    assertEquals(0, run(yaml(committed), List.of()).exit());
    // Inputs that are wrong in themselves.
    spark
        .read()
        .parquet(input.toString())
        .limit(0)
        .write()
        .parquet(dir.resolve("empty").toString());
    Files.createDirectories(dir.resolve("corrupt"));
    Files.write(dir.resolve("corrupt/part-0.parquet"), "not parquet at all".getBytes());
    spark
        .read()
        .parquet(input.toString())
        .withColumn(
            "customer_id",
            org.apache.spark.sql.functions.col("customer_id").cast(DataTypes.StringType))
        .write()
        .parquet(dir.resolve("string-key").toString());
    spark
        .read()
        .parquet(input.toString())
        .withColumn("age", org.apache.spark.sql.functions.col("age").gt(40))
        .write()
        .parquet(dir.resolve("boolean-feature").toString());
    Files.write(dir.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    byte[] good = Files.readAllBytes(model);
    Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(good, good.length / 3));
    // issue 18 #1: folders reached through symbolic links, on a copy of the input of their own.
    Path linkedInput = copy(input, dir.resolve("linked-input"));
    Files.createSymbolicLink(dir.resolve("into-linked-input"), linkedInput);
    Files.createSymbolicLink(dir.resolve("is-linked-input"), linkedInput);
    copy(input, dir.resolve("out-holder/customers"));
    Files.createSymbolicLink(dir.resolve("input-link"), dir.resolve("out-holder/customers"));
    // issue 18 #5: one folder, two files that disagree on the type of one column.
    mixedTypes(spark, "mixed-feature", "age");
    mixedTypes(spark, "mixed-key", "customer_id");
    // issue 18 #6: the test model as a newer ONNX would write it.
    ModelProto proto = ModelProto.parseFrom(good);
    Files.write(dir.resolve("ir12.onnx"), proto.toBuilder().setIrVersion(12).build().toByteArray());
    Files.write(
        dir.resolve("opset99.onnx"),
        proto.toBuilder()
            .setOpsetImport(0, proto.getOpsetImport(0).toBuilder().setVersion(99))
            .build()
            .toByteArray());
    treeModels();
    Files.createDirectories(dir.resolve("foreign"));
    Files.writeString(dir.resolve("foreign/notes.txt"), "somebody else's");
    Files.writeString(dir.resolve("a-file"), "x");
  }

  /**
   * LightGBM models trained here with lightgbmlib on the demo's 20 features (and one on 19), a
   * truncated copy, and a LightGBM text file named like an XGBoost JSON model.
   */
  private static void treeModels() throws IOException {
    for (int width : new int[] {20, 19}) {
      java.util.SplittableRandom random = new java.util.SplittableRandom(width);
      float[] x = new float[500 * width];
      float[] y = new float[500];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextDouble();
      }
      for (int r = 0; r < 500; r++) {
        y[r] = x[r * width] + x[r * width + 1] > 1 ? 1 : 0;
      }
      try (io.shardscore.model.lightgbm.LightGbmTrainer t =
          io.shardscore.model.lightgbm.LightGbmTrainer.train(
              x, y, width, "objective=binary num_leaves=7", 5)) {
        t.save(dir.resolve("lgbm-" + width + ".txt"));
      }
    }
    String text = Files.readString(dir.resolve("lgbm-20.txt"));
    Files.writeString(dir.resolve("lgbm-truncated.txt"), text.substring(0, text.length() / 2));
    Files.writeString(dir.resolve("lgbm-as-xgboost.json"), text);
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    return to;
  }

  /**
   * {@code name}/part-a-int.parquet with {@code column} as int (keys below 1000) and
   * part-b-bigint.parquet with it as bigint (the other keys).
   */
  private static void mixedTypes(SparkSession spark, String name, String column)
      throws IOException {
    Dataset<Row> rows = spark.read().parquet(input.toString());
    Path folder = Files.createDirectories(dir.resolve(name));
    oneFile(
        rows.filter(col("customer_id").lt(1000))
            .withColumn(column, col(column).cast(DataTypes.IntegerType)),
        folder.resolve("part-a-int.parquet"));
    oneFile(
        rows.filter(col("customer_id").geq(1000))
            .withColumn(column, col(column).cast(DataTypes.LongType)),
        folder.resolve("part-b-bigint.parquet"));
  }

  private static void oneFile(Dataset<Row> rows, Path file) throws IOException {
    Path written = dir.resolve("tmp-" + file.getParent().getFileName() + "-" + file.getFileName());
    rows.coalesce(1).write().parquet(written.toString());
    try (Stream<Path> parts = Files.list(written)) {
      Path part = parts.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
      Files.move(part, file);
    }
  }

  @AfterAll
  static void stopStore() throws Exception {
    s3.close();
  }

  /** The job's {@code spark:} section pointing one bucket at the test store. */
  private static String s3Section(Map<String, String> settings) {
    StringBuilder sb = new StringBuilder("spark:\n");
    settings.forEach((k, v) -> sb.append("  ").append(k).append(": '").append(v).append("'\n"));
    return sb.toString();
  }

  private static String onS3(String text, String bucket, Map<String, String> settings) {
    return text.replace("path: " + input, "path: s3a://" + bucket + "/customers")
        + s3Section(settings);
  }

  private static String yaml(Path output) {
    return JobYaml.demo(input, model, output)
        .set("sharding.ranges", "0-999,1000-1999")
        .set("scoring.batch-size", 256)
        .text();
  }

  /**
   * @param edit changes the valid job text
   * @param exit expected exit code
   * @param noJob true when the error must come before any Spark job
   * @param says fragments the message must contain
   */
  record Case(
      String name,
      Function<String, String> edit,
      List<String> args,
      int exit,
      boolean noJob,
      List<String> says) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case c(
      String name, Function<String, String> edit, int exit, boolean noJob, String... says) {
    return new Case(name, edit, List.of(), exit, noJob, List.of(says));
  }

  private static Case flags(String name, List<String> args, int exit, String... says) {
    return new Case(name, t -> t, args, exit, true, List.of(says));
  }

  static Stream<Case> cases() {
    String in = "path: " + input;
    String mdl = "path: " + model;
    List<String> valid = yaml(dir.resolve("CASE")).lines().toList();
    int lines = valid.size();
    int batchSizeLine = valid.indexOf("  batch-size: 256") + 1;
    return Stream.of(
        c(
            "missing input path",
            t -> t.replace(in, "path: " + dir.resolve("nope")),
            2,
            true,
            "input.path",
            "nope",
            "does not exist"),
        c(
            "empty input",
            t -> t.replace(in, "path: " + dir.resolve("empty")),
            2,
            false,
            "has no rows",
            "empty"),
        c(
            "corrupt Parquet file",
            t -> t.replace(in, "path: " + dir.resolve("corrupt")),
            2,
            false,
            "Cannot read input.path",
            "corrupt",
            "parquet"),
        c(
            "missing feature column",
            t -> t.replace("- age\n", "- agee\n"),
            2,
            false,
            "model.features",
            "'agee'",
            "Input columns"),
        c(
            "feature of a type that cannot feed a tensor",
            t -> t.replace(in, "path: " + dir.resolve("boolean-feature")),
            2,
            false,
            "'age'",
            "boolean",
            "Use numeric columns"),
        c(
            "missing key column",
            t -> t.replace("key: customer_id", "key: client_id"),
            2,
            false,
            "sharding.key",
            "'client_id'",
            "Input columns"),
        c(
            "integral ranges on a string key",
            t -> t.replace(in, "path: " + dir.resolve("string-key")),
            2,
            false,
            "key 'customer_id'",
            "Spark type string",
            "first..last"),
        c(
            "null keys with policy fail",
            t -> t.replace("ranges: 0-999,1000-1999", "ranges: 0-999,1000-1999\n  null-keys: fail"),
            2,
            false,
            "null 'customer_id'",
            "null-keys",
            "'errors'"),
        c(
            "overlapping ranges",
            t -> t.replace("0-999,1000-1999", "0-1000,1000-1999"),
            2,
            true,
            "'0-1000'",
            "'1000-1999'",
            "overlap"),
        c(
            "unknown engine",
            t -> t.replace(mdl, mdl + "\n  engine: TensorFlow"),
            2,
            true,
            "model.engine",
            "'TensorFlow'",
            "OnnxRuntime"),
        c(
            "missing model",
            t -> t.replace(mdl, "path: " + dir.resolve("absent.onnx")),
            2,
            true,
            "model.path",
            "absent.onnx",
            "does not exist"),
        c(
            "corrupt model",
            t -> t.replace(mdl, "path: " + dir.resolve("garbage.onnx")),
            2,
            true,
            "garbage.onnx",
            "Cannot load model"),
        c(
            "truncated model",
            t -> t.replace(mdl, "path: " + dir.resolve("truncated.onnx")),
            2,
            true,
            "truncated.onnx",
            "Cannot load model"),
        c(
            "truncated LightGBM model",
            t -> t.replace(mdl, "path: " + dir.resolve("lgbm-truncated.txt")),
            2,
            true,
            "lgbm-truncated.txt",
            "Cannot load model",
            "LightGBM",
            "complete LightGBM text model"),
        c(
            "LightGBM model of another feature count",
            t -> t.replace(mdl, "path: " + dir.resolve("lgbm-19.txt")),
            2,
            true,
            "lgbm-19.txt",
            "expects 19 features per row",
            "feeds it 20",
            "model.features"),
        c(
            "LightGBM text where XGBoost expects JSON",
            t -> t.replace(mdl, "path: " + dir.resolve("lgbm-as-xgboost.json")),
            2,
            true,
            "lgbm-as-xgboost.json",
            "with XGBoost",
            "complete XGBoost model"),
        c(
            "raw output from an ONNX model",
            t -> t.replace(mdl, mdl + "\n  output-type: raw"),
            2,
            true,
            "model.output-type",
            "OnnxRuntime",
            "LightGBM and XGBoost"),
        c(
            "model input shape mismatch",
            t -> t.replace("    - referrals\n", ""),
            2,
            true,
            "rejected a test batch",
            "19 features",
            "model.features"),
        c(
            "batch size 0",
            t -> t.replace("batch-size: 256", "batch-size: 0"),
            2,
            true,
            "scoring.batch-size is 0",
            "1024"),
        c(
            "output is a file",
            t -> t.replace("path: " + dir.resolve("CASE"), "path: " + dir.resolve("a-file")),
            2,
            true,
            "a-file",
            "is a file",
            "folder"),
        c(
            "output inside the input",
            t -> t.replace("path: " + dir.resolve("CASE"), "path: " + input.resolve("scores")),
            2,
            true,
            "overlaps input.path",
            "outside the input"),
        c(
            "non-empty foreign output",
            t -> t.replace("path: " + dir.resolve("CASE"), "path: " + dir.resolve("foreign")),
            2,
            true,
            "notes.txt",
            "not written by shardscore",
            "empty folder"),
        c(
            "committed output without overwrite",
            t -> t.replace("path: " + dir.resolve("CASE"), "path: " + committed),
            2,
            true,
            "already holds committed results",
            "overwrite"),
        c(
            "unknown config key (typo)",
            t -> t.replace("batch-size: 256", "batchsize: 256"),
            2,
            true,
            "'scoring.batchsize'",
            "batch-size",
            "Fix the spelling"),
        c(
            "wrong value type",
            t -> t.replace("batch-size: 256", "batch-size: lots"),
            2,
            true,
            "'scoring.batch-size'",
            "wrong type"),
        c(
            "unreachable S3 endpoint",
            t -> {
              Map<String, String> dead = new java.util.LinkedHashMap<>(s3.s3aSettings("dead"));
              dead.put("fs.s3a.bucket.dead.endpoint", "http://127.0.0.1:9");
              return onS3(t, "dead", dead);
            },
            2,
            true,
            "input.path s3a://dead/customers",
            "cannot reach the S3 store at http://127.0.0.1:9",
            "Connection refused",
            "fs.s3a.bucket.dead.endpoint"),
        c(
            "wrong S3 credentials",
            t -> onS3(t, "locked", s3.s3aSettings("locked", S3Server.ACCESS_KEY, "not-the-secret")),
            2,
            true,
            "input.path s3a://locked/customers",
            "refused the credentials (HTTP 403)",
            "fs.s3a.secret.key"),
        c(
            "missing S3 bucket",
            t -> onS3(t, "no-such-bucket", s3.s3aSettings("no-such-bucket")),
            2,
            true,
            "input.path s3a://no-such-bucket/customers",
            "bucket 'no-such-bucket' does not exist",
            "Create the bucket"),
        c(
            "output on an S3 bucket that does not exist",
            t ->
                t.replace("path: " + dir.resolve("CASE"), "path: s3a://absent-out/scores")
                    + s3Section(s3.s3aSettings("absent-out")),
            2,
            true,
            "output.path s3a://absent-out/scores",
            "bucket 'absent-out' does not exist",
            "Create the bucket"),
        // issue 18 #3: a key twice in the job file is an error naming it and both lines.
        c(
            "duplicate key in a section",
            t -> t.replace("batch-size: 256", "batch-size: 256\n  batch-size: 512"),
            2,
            true,
            "Duplicate key 'scoring.batch-size'",
            "line " + batchSizeLine + " and line " + (batchSizeLine + 1),
            "Keep one of them"),
        c(
            "duplicate output.path",
            t ->
                t.replace(
                    "path: " + dir.resolve("CASE"),
                    "path: " + dir.resolve("CASE") + "\n  path: " + dir.resolve("CASE-2")),
            2,
            true,
            "Duplicate key 'output.path'",
            "line 4 and line 5",
            "Keep one of them"),
        c(
            "a second input: section",
            t -> t + "input:\n  path: " + dir.resolve("other") + "\n",
            2,
            true,
            "Duplicate key 'input'",
            "line 1 and line " + (lines + 1),
            "Merge the two into one 'input:' section"),
        c(
            "duplicate key in the spark: section",
            t ->
                t
                    + "spark:\n  spark.sql.shuffle.partitions: 4\n  spark.sql.shuffle.partitions: 8\n",
            2,
            true,
            "Duplicate key 'spark.sql.shuffle.partitions' under 'spark:'",
            "line " + (lines + 2) + " and line " + (lines + 3)),
        // issue 18 #4: a spark: value Spark cannot read is an error naming key, value and fix.
        c(
            "Spark setting Spark cannot read",
            t -> t + "spark:\n  spark.executor.memory: lots\n",
            2,
            true,
            "spark.executor.memory is 'lots' in the spark: section, which Spark cannot read",
            "type bytes in MiB",
            "Use a value such as 1g"),
        c(
            "SQL setting Spark cannot read",
            t -> t + "spark:\n  spark.sql.ansi.enabled: maybe\n",
            2,
            true,
            "spark.sql.ansi.enabled is 'maybe' in the spark: section",
            "type boolean",
            "Use a value such as true"),
        flags(
            "--conf value Spark cannot read",
            List.of("--conf", "spark.executor.memory=lots"),
            2,
            "spark.executor.memory is 'lots' in --conf, which Spark cannot read",
            "Use a value such as 1g"),
        // issue 18 #1
        c(
            "output through a symbolic link into the input",
            t ->
                t.replace(in, "path: " + dir.resolve("linked-input"))
                    .replace(
                        "path: " + dir.resolve("CASE"),
                        "path: " + dir.resolve("into-linked-input/scores")),
            2,
            true,
            "output.path",
            "into-linked-input/scores",
            "overlaps input.path",
            "symbolic links",
            "inside the input",
            "Choose an output outside the input"),
        // issue 18 #1
        c(
            "output a symbolic link to the input folder",
            t ->
                t.replace(in, "path: " + dir.resolve("linked-input"))
                    .replace(
                        "path: " + dir.resolve("CASE"), "path: " + dir.resolve("is-linked-input")),
            2,
            true,
            "is-linked-input",
            "overlaps input.path",
            "the input folder itself",
            "Choose an output outside the input"),
        // issue 18 #1
        c(
            "input through a symbolic link into the output",
            t ->
                t.replace(in, "path: " + dir.resolve("input-link"))
                    .replace("path: " + dir.resolve("CASE"), "path: " + dir.resolve("out-holder")),
            2,
            true,
            "input-link",
            "overlaps input.path",
            "inside the output",
            "Choose an output outside the input"),
        // issue 18 #5
        c(
            "input files that disagree on a feature's type",
            t -> t.replace(in, "path: " + dir.resolve("mixed-feature")),
            2,
            true,
            "column 'age'",
            "int in part-a-int.parquet",
            "bigint in part-b-bigint.parquet",
            "CAST(age AS BIGINT)",
            "nothing was scored"),
        // issue 18 #5
        c(
            "input files that disagree on the key's type",
            t -> t.replace(in, "path: " + dir.resolve("mixed-key")),
            2,
            true,
            "column 'customer_id'",
            "int in part-a-int.parquet",
            "bigint in part-b-bigint.parquet",
            "CAST(customer_id AS BIGINT)"),
        // issue 18 #6
        c(
            "model of a newer ONNX IR version",
            t -> t.replace(mdl, "path: " + dir.resolve("ir12.onnx")),
            2,
            true,
            "ir12.onnx",
            "Unsupported model IR version: 12",
            "This build has ONNX Runtime 1.",
            "Re-export the model",
            "ir_version"),
        // issue 18 #6
        c(
            "model of a newer ONNX opset",
            t -> t.replace(mdl, "path: " + dir.resolve("opset99.onnx")),
            2,
            true,
            "opset99.onnx",
            "Opset 99",
            "This build has ONNX Runtime 1.",
            "Re-export the model",
            "opset_version="),
        flags(
            "conflicting flags",
            List.of("--incremental", "--mode", "overwrite"),
            2,
            "--incremental conflicts with --mode overwrite"),
        flags(
            "flag with a bad value",
            List.of("--mode", "append"),
            2,
            "output.mode is 'append'",
            "error-if-exists"),
        flags(
            "flag that fails validation",
            List.of("--max-error-fraction", "2"),
            2,
            "scoring.max-error-fraction is 2.0",
            "from 0"));
  }

  private static CliRunner.Run run(String yaml, List<String> args) throws Exception {
    Path file = Files.createTempFile(dir, "job", ".yaml");
    Files.writeString(file, yaml);
    List<String> all = new ArrayList<>(List.of("run", "--config", file.toString()));
    all.addAll(args);
    return CliRunner.run(all.toArray(String[]::new));
  }

  private static Path real(Path p) throws IOException {
    return Files.exists(p) ? p.toRealPath() : p;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badInputFailsClearlyAndChangesNothing(Case c) throws Exception {
    Path output = dir.resolve("CASE");
    String job = c.edit().apply(yaml(output));
    String target = job.substring(job.indexOf("output:\n  path: ") + 16).split("\n")[0];
    boolean onS3 = target.startsWith("s3a:");
    // Where the files are: an output or input reached through a symbolic link is listed at its
    // target.
    Path local = onS3 ? s3.folder() : real(Path.of(target));
    String source = job.substring(job.indexOf("input:\n  path: ") + 15).split("\n")[0];
    Path inputFiles = source.startsWith("s3a:") ? null : real(Path.of(source));
    Map<String, String> before = SparkTestSession.listing(local);
    Map<String, String> inputBefore =
        inputFiles == null ? null : SparkTestSession.listing(inputFiles);
    boolean existedBefore = Files.exists(local);
    int jobsBefore = CliRunner.jobs();
    CliRunner.Run r = run(job, c.args());
    assertEquals(c.exit(), r.exit(), r.err());
    System.out.println(
        "matrix: " + c.name() + " | exit " + r.exit() + " | " + r.err().strip().replace('\n', ' '));
    for (String fragment : c.says()) {
      assertTrue(r.err().contains(fragment), "message names '" + fragment + "': " + r.err());
    }
    if (c.noJob()) {
      assertEquals(jobsBefore, CliRunner.jobs(), "no Spark job ran before the error");
    }
    assertEquals(before, SparkTestSession.listing(local), "output unchanged");
    if (inputFiles != null) {
      assertEquals(inputBefore, SparkTestSession.listing(inputFiles), "input unchanged");
    }
    assertFalse(
        (r.out() + r.err()).contains(S3Server.SECRET_KEY), "the S3 secret is never printed");
    if (!existedBefore) {
      assertTrue(
          !Files.exists(local) || Shardscore.manifest(SparkTestSession.get(), target).isEmpty(),
          "nothing committed");
    }
  }
}
