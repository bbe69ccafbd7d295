package io.shardscore.job.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigReader;
import org.junit.jupiter.api.Test;

/** The settings text of named inputs, part of every committed output's settings digest. */
class SequenceReviewTest {
  private static JobConfig job(String model) {
    return JobConfigReader.parse(
        "input: {path: /in}\n"
            + "output: {path: /out}\n"
            + "sharding: {key: id, ranges: '0-9'}\n"
            + "model: {path: /m.onnx, "
            + model
            + "}\n",
        "settings");
  }

  @Test
  void fixedNamedInputsKeepTheSettingsTextTheyHadBeforeSequenceInputs() {
    // As commit d79d50f wrote it (ModelInput's toString of name, width and type): an incremental
    // output of such a job must not be rescored whole only because the record has more fields.
    assertEquals(
        ";inputs={dense=[d0, d1], ids=[a, b]},types=[ModelInput[name=dense, width=2,"
            + " type=FLOAT32], ModelInput[name=ids, width=2, type=INT64]]",
        RowLayouts.inputSettings(
            job("inputs: {dense: [d0, d1], ids: [a, b]}, input-types: {ids: int64}")));
  }

  @Test
  void aSequencesMaskNameAndTypeArePartOfIt() {
    String base = "inputs: {dense: [d0], events: ['v[..4]']}";
    String none = RowLayouts.inputSettings(job(base));
    String mask = RowLayouts.inputSettings(job(base + ", masks: {events: m}"));
    String other = RowLayouts.inputSettings(job(base + ", masks: {events: n}"));
    String int32 =
        RowLayouts.inputSettings(job(base + ", masks: {events: m}, input-types: {m: int32}"));
    assertNotEquals(none, mask);
    assertNotEquals(mask, other);
    assertNotEquals(mask, int32);
  }
}
