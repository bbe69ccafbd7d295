package io.shardscore.job.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.demo.DemoData;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same rows through a batch run on local Spark and through {@code shardscore serve}'s server
 * (started from the same job file), compared by key: every prediction bit-identical (ONNX Runtime
 * on the CPU, same floats in, same model bytes), every unscorable row rejected with the same
 * reason, and the response's digest equal to the run's {@code model_digest}.
 */
class ServeParityTest {
  private static final ObjectMapper JSON = ServeRequests.JSON;

  @TempDir Path dir;

  @Test
  void onlinePredictionsAndReasonsEqualTheBatchRunsByKey() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path input = SparkTestSession.customers(dir, 3_000); // defects at ids 7, 13, 21 and 99
    Path out = dir.resolve("out");
    JobConfig job =
        SparkTestSession.job(input, SparkTestSession.model(dir), out, "0-1499,1500-2999", "");
    Shardscore.job(spark, job).execute();

    Map<Long, Row> batch = new HashMap<>();
    for (Row r :
        spark
            .read()
            .parquet(out.toString())
            .select("customer_id", "probabilities", "score", "label", "model_digest")
            .collectAsList()) {
      batch.put(r.getLong(0), r);
    }
    Map<Long, String> batchErrors = new HashMap<>();
    for (Row r :
        spark
            .read()
            .parquet(out.resolve("_errors").toString())
            .select("customer_id", "error_reason")
            .collectAsList()) {
      if (!r.isNullAt(0)) {
        batchErrors.put(r.getLong(0), r.getString(1));
      }
    }
    assertEquals(
        3, batchErrors.size(), "the demo's null, short-array and NaN rows: " + batchErrors);

    List<Row> rows = spark.read().parquet(input.toString()).collectAsList();
    ScoringServer server =
        OnlineScoring.start(job, ServerSettings.onPort(0), OnlineScoring.Batching.QUEUE);
    int compared = 0;
    int rejected = 0;
    try {
      List<FeatureColumn> features = job.model().featureColumns();
      for (int from = 0; from < rows.size(); from += 500) {
        List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + 500));
        ObjectNode body = JSON.createObjectNode();
        ArrayNode requestRows = body.putArray("rows");
        for (Row r : chunk) {
          ObjectNode row = requestRows.addObject();
          for (FeatureColumn f : features) {
            int i = r.fieldIndex(f.column());
            if (r.isNullAt(i)) {
              row.putNull(f.column());
            } else if (f.array()) {
              ArrayNode values = row.putArray(f.column());
              for (Object v : r.getList(i)) {
                values.add(v == null ? null : JSON.valueToTree(v));
              }
            } else {
              row.set(f.column(), JSON.valueToTree(r.get(i)));
            }
          }
        }
        JsonNode answer = ServeRequests.score(server, body);
        JsonNode results = answer.get("results");
        for (int k = 0; k < chunk.size(); k++) {
          Row in = chunk.get(k);
          if (in.isNullAt(in.fieldIndex("customer_id"))) {
            continue; // the batch job sets a null key aside before scoring; online has no key
          }
          long key = in.getLong(in.fieldIndex("customer_id"));
          JsonNode online = results.get(k);
          Row scored = batch.get(key);
          if (scored == null) {
            assertNotNull(batchErrors.get(key), "customer " + key + " is scored or rejected");
            assertEquals(
                batchErrors.get(key), online.path("error").asText(null), "customer " + key);
            rejected++;
            continue;
          }
          assertNull(online.get("error"), "customer " + key + ": " + online);
          assertEquals(scored.getString(4), answer.get("model_digest").asText());
          List<Float> probs = scored.getList(1);
          for (int c = 0; c < probs.size(); c++) {
            assertEquals(
                Float.floatToIntBits(probs.get(c)),
                Float.floatToIntBits(ServeRequests.floatOf(online.get("probabilities").get(c))),
                "customer " + key + " probabilities[" + c + "]");
          }
          assertEquals(
              Float.floatToIntBits(scored.getFloat(2)),
              Float.floatToIntBits(ServeRequests.floatOf(online.get("score"))),
              "customer " + key + " score");
          assertEquals(scored.getInt(3), online.get("label").asInt(), "customer " + key);
          compared++;
        }
      }
    } finally {
      server.stop();
    }
    assertEquals(batch.size(), compared, "every row the batch run scored was compared");
    assertEquals(3, rejected);
    assertTrue(DemoData.FEATURES.size() > 1);
  }
}
