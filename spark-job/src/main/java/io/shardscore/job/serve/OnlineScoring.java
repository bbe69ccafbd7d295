package io.shardscore.job.serve;

import io.shardscore.job.config.FeatureColumn;
import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.JobConfigException;
import io.shardscore.job.config.JobConfigValidator;
import io.shardscore.job.config.ModelConfig;
import io.shardscore.job.error.ErrorKind;
import io.shardscore.job.error.ShardscoreException;
import io.shardscore.job.score.ModelBinding;
import io.shardscore.job.score.PredictionColumns;
import io.shardscore.model.DevicePolicy;
import io.shardscore.model.EngineSettings;
import io.shardscore.model.LoadedModel;
import io.shardscore.model.ModelRegistry;
import io.shardscore.model.ModelSpec;
import io.shardscore.serving.FeatureInput;
import io.shardscore.serving.PredictionOutputs;
import io.shardscore.serving.RowDecoder;
import io.shardscore.serving.RowScorer;
import io.shardscore.serving.ScoringServer;
import io.shardscore.serving.ServerSettings;
import io.shardscore.serving.SessionPool;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * A job file's {@code model:} and {@code scoring:} sections as an online scoring instance: checked
 * by the batch job's validator, the model named and probed exactly as a batch run does (so the
 * digest in a response is the run's {@code model_digest}), predictions named and resolved as its
 * prediction columns, and the model called through the same per-device batching queue. No Spark
 * session is started.
 */
public final class OnlineScoring {
  /** Who calls the model: the batching queue across requests, or one call per request. */
  public enum Batching {
    QUEUE,
    PER_REQUEST
  }

  private OnlineScoring() {}

  /** Starts serving {@code job}'s model; the caller stops the server. */
  public static ScoringServer start(JobConfig job, ServerSettings settings, Batching batching) {
    JobConfig cfg = JobConfigValidator.validateModelAndScoring(job);
    if (cfg.scoring().devicePolicy() == DevicePolicy.GPU) {
      throw new JobConfigException(
          "scoring.device is gpu, but shardscore serve runs the model on the CPU today; set"
              + " scoring.device to cpu or auto for serving.");
    }
    Configuration hadoop = hadoopConf(cfg.spark());
    ModelConfig m = cfg.model();
    // A model file or a DJL folder, named the same way as for a run (its files in the digest, its
    // synset.txt the class names unless model.labels names them).
    ModelSpec spec = ModelBinding.spec(ModelBinding.locate(m, hadoop), m, hadoop);
    // Loaded first with every core for the engine's intra-op threads; the probe (one zero row, as
    // a run makes it) then reuses the loaded model from the registry.
    int cores = Runtime.getRuntime().availableProcessors();
    LoadedModel loaded =
        ModelRegistry.acquire(
            spec, ModelBinding.source(spec, hadoop), EngineSettings.forTaskCpus(cores));
    RowScorer scorer = null;
    try {
      ModelBinding model = ModelBinding.probe(spec, hadoop, ModelBinding.inputsKey(m));
      PredictionColumns p =
          PredictionColumns.resolve(
              m.outputs(), model.outputWidth(), model.labels(), model.tensorWidths());
      // The batch job's columns and, for named inputs, which feed an integer input.
      List<FeatureColumn> columns = m.featureColumns();
      List<io.shardscore.model.InputType> types = m.featureTypes();
      List<FeatureInput> features = new java.util.ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        FeatureColumn f = columns.get(i);
        features.add(
            new FeatureInput(f.column(), f.length(), f.array(), types.get(i), f.variable()));
      }
      scorer =
          RowScorer.releasing(
              batching == Batching.QUEUE
                  ? RowScorer.queue(loaded.batcher(queueSettings(cfg)))
                  : new SessionPool(loaded, cores),
              loaded::close);
      return ScoringServer.start(
          settings,
          m.isText()
              ? new RowDecoder(m.text().column(), loaded.textEncoder(), features)
              : new RowDecoder(features),
          outputs(p),
          spec.digest(),
          scorer);
    } catch (IOException e) {
      release(scorer, loaded);
      throw new ShardscoreException(
          ErrorKind.INFRASTRUCTURE,
          "Cannot listen on "
              + settings.host()
              + ":"
              + settings.port()
              + ": "
              + e.getMessage()
              + ". Another process may hold the port: stop it, or pick another --port (0 picks a"
              + " free one); --host must be an address of this machine.",
          e);
    } catch (RuntimeException | Error e) {
      release(scorer, loaded);
      throw e;
    }
  }

  /** The response fields of the job's prediction columns, named as the run names its columns. */
  private static PredictionOutputs outputs(PredictionColumns p) {
    return new PredictionOutputs(
        p.probabilities(),
        p.score(),
        p.scoreIndex(),
        p.label(),
        p.labelName(),
        p.topK(),
        p.topLabels(),
        p.topScores(),
        p.labels(),
        p.tensors().stream()
            .map(t -> new PredictionOutputs.Tensor(t.column(), t.offset(), t.width()))
            .toList());
  }

  /**
   * What a failed start took: the scorer's sessions and queue place, and the hold on the model. The
   * sessions of a {@link SessionPool} hold the model themselves (the first took the handle's hold
   * over), so closing only the handle would leave them and the model held for good.
   */
  private static void release(RowScorer scorer, LoadedModel loaded) {
    if (scorer != null) {
      scorer.close(); // closes the handle too (RowScorer.releasing)
    } else {
      loaded.close();
    }
  }

  /** {@code scoring.queue-max-rows} and {@code scoring.queue-max-wait-ms}, whatever the mode. */
  private static io.shardscore.model.BatchingSettings queueSettings(JobConfig cfg) {
    return new io.shardscore.model.BatchingSettings(
        cfg.scoring().queueMaxRows(), cfg.scoring().queueMaxWaitMs() * 1000L);
  }

  /** The job's {@code spark.hadoop.*} settings (S3A endpoints, credentials providers, ...). */
  private static Configuration hadoopConf(Map<String, String> spark) {
    Configuration conf = new Configuration();
    spark.forEach(
        (k, v) -> {
          if (k.startsWith("spark.hadoop.")) {
            conf.set(k.substring("spark.hadoop.".length()), v);
          }
        });
    return conf;
  }
}
