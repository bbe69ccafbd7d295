package io.shardscore.job.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardscore.job.JobYaml;
import io.shardscore.job.PythonModels;
import io.shardscore.job.Shardscore;
import io.shardscore.job.SparkTestSession;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class names, top-k and a second output tensor through a batch run and through {@code shardscore
 * serve} from the same job file, compared by key: a DJL folder of the two-output ONNX model
 * (embedding first, probabilities second) with a {@code synset.txt}; every value bit-identical and
 * every name equal.
 */
class ServeOutputsParityTest {
  private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");
  private static final ObjectMapper JSON = ServeRequests.JSON;

  @TempDir Path dir;

  @Test
  void classNamesTopKAndOtherTensorsOnlineEqualTheBatchRunsByKey() throws Exception {
    Path made = PythonModels.twoOutputs(dir.resolve("made"));
    Path folder = Files.createDirectories(dir.resolve("model"));
    Files.copy(made.resolve("two_outputs.onnx"), folder.resolve("two_outputs.onnx"));
    Files.writeString(folder.resolve("synset.txt"), "bronze\nsilver\ngold\n");
    SparkSession spark = SparkTestSession.get();
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(made.resolve("rows.csv"))) {
      String[] f = line.split(",");
      Object[] v = new Object[7];
      v[0] = Long.parseLong(f[0]);
      for (int c = 0; c < 6; c++) {
        v[c + 1] = Double.parseDouble(f[c + 1]);
      }
      rows.add(RowFactory.create(v));
    }
    StructType schema = new StructType().add("customer_id", DataTypes.LongType, false);
    for (String f : FEATURES) {
      schema = schema.add(f, DataTypes.DoubleType);
    }
    Path input = dir.resolve("input");
    spark.createDataFrame(rows, schema).write().parquet(input.toString());
    Path out = dir.resolve("out");
    JobConfig job =
        JobConfigReader.parse(
            JobYaml.demo(input, folder, out)
                .set("model.features", JobYaml.flow(FEATURES))
                .set(
                    "model.outputs",
                    "{from: probabilities, tensors: {embedding: customer_embedding}, top-k: 2}")
                .set("sharding.ranges", JobYaml.quoted("0-74,75-MAX"))
                .text(),
            "outputs");
    Shardscore.job(spark, job).execute();
    Map<Long, Row> batch = new HashMap<>();
    for (Row r :
        spark
            .read()
            .parquet(out.toString())
            .select(
                "customer_id",
                "probabilities",
                "label_name",
                "top_labels",
                "top_scores",
                "customer_embedding")
            .collectAsList()) {
      batch.put(r.getLong(0), r);
    }
    assertEquals(rows.size(), batch.size());

    ScoringServer server =
        OnlineScoring.start(job, ServerSettings.onPort(0), OnlineScoring.Batching.PER_REQUEST);
    try {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode requestRows = body.putArray("rows");
      for (Row r : rows) {
        ObjectNode row = requestRows.addObject();
        for (int c = 0; c < 6; c++) {
          row.put(FEATURES.get(c), r.getDouble(c + 1));
        }
      }
      JsonNode results = ServeRequests.score(server, body).get("results");
      for (int k = 0; k < rows.size(); k++) {
        long key = rows.get(k).getLong(0);
        Row scored = batch.get(key);
        JsonNode online = results.get(k);
        ServeRequests.assertSameFloats(
            scored.getList(1), online.get("probabilities"), key + " probabilities");
        assertEquals(scored.getString(2), online.get("label_name").asText(), key + " label_name");
        List<String> names = scored.getList(3);
        assertEquals(names.size(), online.get("top_labels").size());
        for (int i = 0; i < names.size(); i++) {
          assertEquals(names.get(i), online.get("top_labels").get(i).asText(), key + " top");
        }
        ServeRequests.assertSameFloats(
            scored.getList(4), online.get("top_scores"), key + " top_scores");
        ServeRequests.assertSameFloats(
            scored.getList(5), online.get("customer_embedding"), key + " embedding");
      }
    } finally {
      server.stop();
    }
  }
}
