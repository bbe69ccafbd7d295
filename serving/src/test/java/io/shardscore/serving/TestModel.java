package io.shardscore.serving;

import io.shardscore.model.BatchingSettings;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelDigest;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelEvents;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A real ONNX model for serving tests: a seeded 4-8-2 MLP written with {@link OnnxMlpWriter},
 * loaded through the registry, fed by one scalar {@code age} and one array {@code spend[3]}. The
 * MLP evaluates itself in plain Java, which tests use as the expected prediction.
 */
final class TestModel {
  static final List<FeatureInput> FEATURES =
      List.of(new FeatureInput("age", 1, false), new FeatureInput("spend", 3, true));
  static final PredictionOutputs OUTPUTS =
      new PredictionOutputs("probabilities", "score", 1, "label");

  final Mlp mlp = Mlp.seeded(17L, 4, 8, 2);
  final ModelSpec spec;
  final LoadedModel loaded;

  TestModel(Path dir) {
    this(dir, 1);
  }

  /** The model, loaded with {@code threads} intra-op threads. */
  TestModel(Path dir, int threads) {
    Path file = dir.resolve("model.onnx");
    try {
      OnnxMlpWriter.write(mlp, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    spec =
        new ModelSpec(
            file.toString(),
            ModelEngine.ONNX_RUNTIME,
            ModelDigest.of(file, ModelEngine.ONNX_RUNTIME),
            4);
    loaded = ModelRegistry.acquire(spec, () -> file, EngineSettings.forTaskCpus(threads));
  }

  RowScorer queue(int maxRows, long maxWaitMillis) {
    return RowScorer.queue(loaded.batcher(new BatchingSettings(maxRows, maxWaitMillis * 1000)));
  }

  /** A server on this model; its metrics listen to the JVM's model events until {@link #close}. */
  ScoringServer serve(RowScorer scorer, ServerSettings settings) {
    try {
      ScoringServer server =
          ScoringServer.start(settings, new RowDecoder(FEATURES), OUTPUTS, spec.digest(), scorer);
      ModelEvents.listen(server.modelEvents());
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends the hold on the model and stops listening to model events. */
  void close() {
    ModelEvents.listen(null);
    loaded.close();
  }

  static ServerSettings anyPort() {
    return ServerSettings.onPort(0);
  }
}
