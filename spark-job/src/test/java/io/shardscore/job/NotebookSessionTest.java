package io.shardscore.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run in a notebook's session leaves the notebook's own job group and description as it found
 * them.
 */
class NotebookSessionTest {
  @TempDir Path dir;

  @Test
  void aRunRestoresTheCallersJobGroupAndJobDescription() {
    SparkSession spark = SparkTestSession.get();
    Path input = SparkTestSession.customers(dir, 500);
    Path model = SparkTestSession.model(dir);
    SparkContext sc = spark.sparkContext();
    sc.setJobGroup("notebook-cell-7", "cell 7: churn scores", false);
    try {
      Shardscore.job(spark, SparkTestSession.job(input, model, dir.resolve("out"), "0-499", ""))
          .execute();
      assertEquals("notebook-cell-7", sc.getLocalProperty("spark.jobGroup.id"));
      assertEquals("cell 7: churn scores", sc.getLocalProperty("spark.job.description"));
    } finally {
      sc.clearJobGroup();
    }
  }
}
