package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.serve.OnlineScoring;
import io.shardscore.job.serve.ServeRequests;
import io.shardscore.model.ModelLoadException;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded job over a model with a sequence input: {@code visits}, an array column of 0 to 12
 * values per row, feeds {@code events} padded per batch to its longest row, with {@code
 * events_mask} after it; TorchScript (scripted) and ONNX against PyTorch's probabilities for each
 * row alone, joined by key (tolerance 1e-5). Written by model-adapters' {@code make_sequence.py}
 * with python3-torch.
 */
class SequenceJobTest {
  private static final String INPUTS = "{dense: [d0, d1], events: ['visits[..12]']}";

  /** Shard 1000-1999 holds customers of at most 3 visits. */
  private static final long SHORT_FROM = 1000;

  private static final long NULL_VISITS = 2000;
  private static final long NULL_ELEMENT = 2001;
  private static final long TOO_LONG = 2002;

  @TempDir static Path dir;
  static Path models;
  static Path input;
  static Map<Long, double[]> torch = new HashMap<>();
  static Map<Long, Integer> lengths = new HashMap<>();

  @BeforeAll
  static void data() throws IOException, InterruptedException {
    models = PythonModels.sequence(dir.resolve("seq"));
    List<Row> rows = new ArrayList<>();
    Map<Long, String[]> byId = new HashMap<>();
    for (String line : Files.readAllLines(models.resolve("rows.csv"))) {
      String[] f = line.split(",");
      byId.put(Long.parseLong(f[0]), f);
    }
    Map<Long, double[]> expected = new HashMap<>();
    for (String line : Files.readAllLines(models.resolve("expected.csv"))) {
      String[] f = line.split(",");
      expected.put(
          Long.parseLong(f[0]), new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
    }
    for (Map.Entry<Long, String[]> e : byId.entrySet()) {
      String[] f = e.getValue();
      List<Double> visits = new ArrayList<>();
      for (int k = 3; k < f.length; k++) {
        visits.add(Double.parseDouble(f[k]));
      }
      // The script's customers with at most 3 visits again, under ids of their own shard.
      List<Long> ids = new ArrayList<>(List.of(e.getKey()));
      if (visits.size() <= 3) {
        ids.add(SHORT_FROM + e.getKey());
      }
      for (long id : ids) {
        rows.add(
            RowFactory.create(
                id, Double.parseDouble(f[1]), Double.parseDouble(f[2]), visits.toArray()));
        torch.put(id, expected.get(e.getKey()));
        lengths.put(id, visits.size());
      }
    }
    rows.add(RowFactory.create(NULL_VISITS, 0.1, 0.2, null));
    rows.add(RowFactory.create(NULL_ELEMENT, 0.1, 0.2, new Object[] {1.0, null, 2.0}));
    Object[] thirteen = new Object[13];
    Arrays.fill(thirteen, 1.0);
    rows.add(RowFactory.create(TOO_LONG, 0.1, 0.2, thirteen));
    input = dir.resolve("input");
    SparkTestSession.get()
        .createDataFrame(
            rows,
            new StructType()
                .add("customer_id", DataTypes.LongType, false)
                .add("d0", DataTypes.DoubleType)
                .add("d1", DataTypes.DoubleType)
                .add("visits", DataTypes.createArrayType(DataTypes.DoubleType, true)))
        .repartition(3)
        .write()
        .parquet(input.toString());
  }

  private static JobYaml job(String model, String output, String outputs) {
    return JobYaml.demo(input, models.resolve(model), dir.resolve(output))
        .remove("model.features")
        .set("model.inputs", INPUTS)
        .set("model.masks", "{events: events_mask}")
        .set("model.outputs", outputs)
        .set("sharding.ranges", JobYaml.quoted("0-999,1000-1999,2000-2999"))
        .set("scoring.batch-size", 16)
        .set("scoring.max-error-fraction", 0.1);
  }

  private static ScoreResult score(JobYaml yaml) {
    return Shardscore.job(SparkTestSession.get(), JobConfigReader.parse(yaml.text(), "sequence"))
        .execute();
  }

  private static void assertEqualsPyTorch(ScoreResult r) {
    Map<Long, Row> got = new HashMap<>();
    for (Row row :
        r.dataset().select("customer_id", "probabilities", "seen_length").collectAsList()) {
      assertTrue(got.put(row.getLong(0), row) == null, "scored once: " + row.getLong(0));
    }
    assertEquals(torch.keySet(), got.keySet(), "every scorable row scored once");
    Set<Float> distinct = new HashSet<>();
    Map<Long, Integer> seenByShard = new TreeMap<>();
    for (Map.Entry<Long, Row> e : got.entrySet()) {
      long id = e.getKey();
      List<Float> p = e.getValue().getList(1);
      for (int k = 0; k < 2; k++) {
        assertEquals(torch.get(id)[k], p.get(k), 1e-5, "customer " + id);
      }
      distinct.add(p.get(0));
      int seen = Math.round(e.getValue().<Float>getList(2).get(0));
      assertTrue(
          seen >= Math.max(1, lengths.get(id)) && seen <= 12,
          "customer " + id + " of " + lengths.get(id) + " visits was fed " + seen);
      seenByShard.merge(id / 1000, seen, Math::max);
    }
    assertTrue(distinct.size() > 100, "predictions vary: " + distinct.size());
    // A batch is padded to its longest row, not to the maximum of 12: the short shard's batches
    // are never longer than 3.
    assertEquals(12, seenByShard.get(0L), seenByShard.toString());
    assertTrue(seenByShard.get(1L) <= 3, "short shard fed at most 3: " + seenByShard);
    Map<Long, String> reasons = new TreeMap<>();
    for (Row row : r.errors().select("customer_id", "error_reason").collectAsList()) {
      reasons.put(row.getLong(0), row.getString(1));
    }
    assertEquals(
        Map.of(
            NULL_VISITS, "feature 'visits' is null",
            NULL_ELEMENT, "feature 'visits' element 1 is null",
            TOO_LONG, "feature 'visits' has 13 elements, more than its maximum length 12"),
        reasons);
    assertEquals(torch.size() + 3, r.rowsIn(), "rows in = scored + errors");
  }

  @Test
  void anOnnxSequenceModelEqualsPyTorchByKeyPaddedPerBatch() {
    assertEqualsPyTorch(
        score(
            job(
                "sequence.onnx",
                "onnx",
                "{from: probabilities, tensors: {seen_length: seen_length}}")));
  }

  @Test
  void aTorchScriptSequenceModelEqualsPyTorchByKeyPaddedPerBatch() {
    assertEqualsPyTorch(
        score(job("sequence.pt", "torch", "{from: '0', tensors: {'1': seen_length}}")));
  }

  @Test
  void aChangedSequenceRescoresItsShardAndAnotherMaximumLengthEveryShard() throws IOException {
    Path data = dir.resolve("changing-input");
    List<Row> rows = SparkTestSession.get().read().parquet(input.toString()).collectAsList();
    StructType schema = SparkTestSession.get().read().parquet(input.toString()).schema();
    SparkTestSession.get().createDataFrame(rows, schema).write().parquet(data.toString());
    JobYaml yaml =
        job("sequence.onnx", "incremental", "{from: probabilities}")
            .set("input.path", data.toString())
            .set("output.mode", "incremental");
    score(yaml);
    assertEquals(List.of(), Rescored.shards(score(yaml)), "nothing changed: no shard is scored");
    // One more visit for one customer of the short shard: only the array's length differs.
    long customer =
        rows.stream()
            .mapToLong(r -> r.getLong(0))
            .filter(id -> id >= SHORT_FROM && id < 2 * SHORT_FROM)
            .min()
            .orElseThrow();
    List<Row> changed = new ArrayList<>();
    for (Row row : rows) {
      if (row.getLong(0) == customer) {
        List<Object> visits = new ArrayList<>(row.getList(3));
        visits.add(0.0);
        row = RowFactory.create(row.get(0), row.get(1), row.get(2), visits.toArray());
      }
      changed.add(row);
    }
    Path next = dir.resolve("changing-input-next");
    SparkTestSession.get().createDataFrame(changed, schema).write().parquet(next.toString());
    org.apache.commons.io.FileUtils.deleteDirectory(data.toFile());
    Files.move(next, data);
    assertEquals(
        List.of("1000-1999"), Rescored.shards(score(yaml)), "a padded 0.0 more is a change");
    yaml.set("model.inputs", "{dense: [d0, d1], events: ['visits[..13]']}");
    assertEquals(
        List.of("0-999", "1000-1999", "2000-2999", "unmatched", "null-key"),
        Rescored.shards(score(yaml)),
        "another maximum length: every shard is scored again");
  }

  @Test
  void serveAnswersAsTheRunWritesWithTheSameReasons() throws Exception {
    JobYaml yaml =
        job("sequence.onnx", "serve-run", "{from: probabilities, tensors: {seen_length: seen}}");
    ScoreResult r = score(yaml);
    Map<Long, List<Float>> batch = new HashMap<>();
    for (Row row : r.dataset().select("customer_id", "probabilities").collectAsList()) {
      batch.put(row.getLong(0), row.getList(1));
    }
    Map<Long, String> reasons = new HashMap<>();
    for (Row row : r.errors().select("customer_id", "error_reason").collectAsList()) {
      reasons.put(row.getLong(0), row.getString(1));
    }
    List<Row> rows = SparkTestSession.get().read().parquet(input.toString()).collectAsList();
    ObjectNode body = ServeRequests.JSON.createObjectNode();
    ArrayNode requestRows = body.putArray("rows");
    for (Row row : rows) {
      ObjectNode o = requestRows.addObject();
      o.put("d0", row.getDouble(1));
      o.put("d1", row.getDouble(2));
      if (row.isNullAt(3)) {
        o.putNull("visits");
      } else {
        ArrayNode visits = o.putArray("visits");
        for (Object v : row.getList(3)) {
          if (v == null) {
            visits.addNull();
          } else {
            visits.add((Double) v);
          }
        }
      }
    }
    ScoringServer server =
        OnlineScoring.start(
            yaml.parse("serve"), ServerSettings.onPort(0), OnlineScoring.Batching.QUEUE);
    try {
      JsonNode results = ServeRequests.score(server, body).get("results");
      int compared = 0;
      for (int k = 0; k < rows.size(); k++) {
        long key = rows.get(k).getLong(0);
        JsonNode online = results.get(k);
        if (reasons.containsKey(key)) {
          assertEquals(reasons.get(key), online.get("error").asText(), "customer " + key);
          continue;
        }
        // Online batches are padded to other longest rows than the run's: equal within 1e-6.
        List<Float> p = batch.get(key);
        for (int c = 0; c < 2; c++) {
          assertEquals(p.get(c), online.get("probabilities").get(c).floatValue(), 1e-6, "" + key);
        }
        compared++;
      }
      assertEquals(torch.size(), compared);
    } finally {
      server.stop();
    }
  }

  @Test
  void aSequenceMixedWithOtherColumnsOrInModelFeaturesIsRefusedWithTheFix() {
    JobConfigException mixed =
        assertThrows(
            JobConfigException.class,
            () ->
                JobConfigValidator.validate(
                    job("sequence.onnx", "mixed", "{}")
                        .set("model.inputs", "{events: [d0, 'visits[..12]']}")
                        .remove("model.outputs")
                        .parse("mixed")));
    assertTrue(mixed.getMessage().contains("is an input of its own"), mixed.getMessage());
    JobConfigException features =
        assertThrows(
            JobConfigException.class,
            () ->
                JobConfigValidator.validate(
                    job("sequence.onnx", "features", "{}")
                        .remove("model.inputs")
                        .remove("model.masks")
                        .remove("model.outputs")
                        .set("model.features", "[d0, 'visits[..12]']")
                        .parse("features")));
    assertTrue(
        features.getMessage().contains("feeds a sequence input of its own"), features.getMessage());
    JobConfigException fixedMask =
        assertThrows(
            JobConfigException.class,
            () ->
                JobConfigValidator.validate(
                    job("sequence.onnx", "fixed-mask", "{}")
                        .set("model.masks", "{dense: dense_mask}")
                        .remove("model.outputs")
                        .parse("fixed-mask")));
    assertTrue(fixedMask.getMessage().contains("has a fixed width"), fixedMask.getMessage());
  }

  @Test
  void aMissingMaskFailsBeforeAnyTaskNamingTheInputsAndWritesNothing() {
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                score(
                    job(
                            "sequence.onnx",
                            "no-mask",
                            "{from: probabilities, tensors: {seen_length: seen_length}}")
                        .remove("model.masks")));
    assertTrue(e.getMessage().contains("[dense, events, events_mask]"), e.getMessage());
    assertTrue(e.getMessage().contains("[dense, events]"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("no-mask")), "nothing written");
  }
}
