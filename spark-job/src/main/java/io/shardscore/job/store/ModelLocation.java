package io.shardscore.job.store;

import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelLoadException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Where a model's files are: a model file (with, for ONNX, the external data it names), or a folder
 * in DJL's layout — the model file at its top, an optional {@code serving.properties} naming the
 * {@code engine} and the file ({@code option.modelName}), an optional {@code synset.txt} of class
 * names, and any other files the model needs. Every file of a folder is part of the model: in its
 * digest and copied with it to the executors.
 *
 * @param file the model file (a path or Hadoop URI)
 * @param engine the engine that runs it
 * @param folderFiles for a folder, every file in it but the model file, relative to it; else empty
 * @param folderLabels {@code synset.txt} when the folder has one, else null
 * @param folder the folder (a path or Hadoop URI) for a model given as one; null for a file
 */
public record ModelLocation(
    String file, ModelEngine engine, List<String> folderFiles, String folderLabels, String folder) {
  static final String PROPERTIES = "serving.properties";
  static final String SYNSET = "synset.txt";

  /**
   * JSON and text files of model folders that are not models (tokenizers, configs, vocabularies).
   */
  private static final Set<String> NOT_MODELS =
      Set.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "config.json",
          "special_tokens_map.json",
          "generation_config.json",
          SYNSET,
          "labels.txt",
          "vocab.txt",
          "merges.txt");

  public ModelLocation {
    folderFiles = List.copyOf(folderFiles);
  }

  /**
   * The model at {@code path}: a file, whose engine {@code engine} names or its name implies, or a
   * folder as above.
   *
   * @param engine {@code model.engine}, or null
   * @param key the setting {@code path} came from, for messages
   * @throws ModelLoadException when a folder holds no model file, or several without naming one
   */
  public static ModelLocation resolve(
      String path, String engine, String engineKey, Configuration hadoop, String key) {
    Path qualified = StorePaths.qualify(path, hadoop, key);
    FileSystem fs = StorePaths.fileSystem(qualified, hadoop, key);
    boolean folder;
    try {
      folder = fs.getFileStatus(qualified).isDirectory();
    } catch (FileNotFoundException e) {
      folder = false; // the digest names the missing file
    } catch (IOException e) {
      throw new ModelLoadException(StoreErrors.explain(key, qualified, e, hadoop), e);
    }
    if (!folder) {
      return new ModelLocation(
          path, ModelEngine.resolve(engine, engineKey, path), List.of(), null, null);
    }
    try {
      return inFolder(fs, qualified, engine, engineKey, key);
    } catch (IOException e) {
      throw new ModelLoadException(StoreErrors.explain(key, qualified, e, hadoop), e);
    }
  }

  private static ModelLocation inFolder(
      FileSystem fs, Path folder, String engine, String engineKey, String key) throws IOException {
    List<String> files = list(fs, folder);
    Properties properties = new Properties();
    if (files.contains(PROPERTIES)) {
      try (InputStream in = fs.open(new Path(folder, PROPERTIES))) {
        properties.load(in);
      }
    }
    refuseTranslatorSettings(properties, folder);
    String named = blankToNull(engine);
    String fromProperties = blankToNull(properties.getProperty("engine"));
    if (named != null
        && fromProperties != null
        && ModelEngine.parse(named, engineKey)
            != ModelEngine.parse(fromProperties, folder + "/" + PROPERTIES + " engine")) {
      throw new ModelLoadException(
          engineKey
              + " is '"
              + named
              + "', but "
              + folder
              + "/"
              + PROPERTIES
              + " says engine="
              + fromProperties
              + ". Drop "
              + engineKey
              + " to use the folder's engine, or fix the folder.");
    }
    ModelEngine chosen =
        named != null
            ? ModelEngine.parse(named, engineKey)
            : fromProperties != null
                ? ModelEngine.parse(fromProperties, folder + "/" + PROPERTIES + " engine")
                : null;
    String modelName = blankToNull(properties.getProperty("option.modelName"));
    List<String> candidates = new ArrayList<>();
    for (String f : files) {
      if (!f.contains("/") && isModelFile(f, chosen) && named(f, modelName)) {
        candidates.add(f);
      }
    }
    if (candidates.size() != 1) {
      throw new ModelLoadException(
          key
              + " "
              + folder
              + (candidates.isEmpty()
                  ? " is a folder without a model file"
                      + (modelName == null ? "" : " named '" + modelName + "'")
                  : " holds several model files " + candidates)
              + (chosen == null ? "" : " for " + chosen.djlName())
              + " (it holds "
              + (files.isEmpty() ? "nothing" : files)
              + "). Put the model at the top of the folder ("
              + (chosen == null
                  ? ".onnx, .pt or .ubj; .json, .txt with an engine named"
                  : extensions(chosen))
              + "), or name it in "
              + PROPERTIES
              + " (option.modelName=NAME) with its engine (engine=OnnxRuntime, PyTorch, XGBoost or"
              + " LightGBM).");
    }
    String model = candidates.get(0);
    ModelEngine resolved = chosen != null ? chosen : ModelEngine.resolve(null, engineKey, model);
    List<String> others = new ArrayList<>(files);
    others.remove(model);
    return new ModelLocation(
        new Path(folder, model).toString(),
        resolved,
        others,
        others.contains(SYNSET) ? SYNSET : null,
        folder.toString());
  }

  /**
   * DJL Serving's settings of workers, batching, queues and devices: shardscore's own scoring
   * settings decide those, so they are ignored. Every other key but {@code engine} and {@code
   * option.*} (model loading options) is an argument of a DJL translator.
   */
  private static final Set<String> SERVER_SETTINGS =
      Set.of(
          "minWorkers",
          "maxWorkers",
          "batchSize",
          "batch_size",
          "maxBatchDelay",
          "max_batch_delay",
          "maxIdleTime",
          "max_idle_time",
          "job_queue_size",
          "load_on_devices",
          "required_memory_mb",
          "reserved_memory_mb",
          "parallel_loading",
          "log_request_metric",
          "metrics_aggregation",
          "gpu.minWorkers",
          "gpu.maxWorkers",
          "cpu.minWorkers",
          "cpu.maxWorkers");

  /**
   * Refuses a folder whose {@code serving.properties} configures a DJL translator (its factory, its
   * application, or translator arguments such as {@code applySoftmax}): shardscore feeds the model
   * the tensors its columns make and writes what the model returns, so such a setting would be
   * ignored and the predictions would differ from DJL Serving's without a word.
   */
  private static void refuseTranslatorSettings(Properties properties, Path folder) {
    List<String> translator = new ArrayList<>();
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      if (!key.equals("engine") && !key.startsWith("option.") && !SERVER_SETTINGS.contains(key)) {
        translator.add(key + "=" + properties.getProperty(key));
      }
    }
    if (!translator.isEmpty()) {
      throw new ModelLoadException(
          folder
              + "/"
              + PROPERTIES
              + " sets "
              + String.join(", ", translator)
              + ": DJL translator settings, which shardscore does not apply (it feeds the model"
              + " the tensors model.features, model.inputs or model.text make, and writes what the"
              + " model returns as model.outputs says). Remove them, and move any transform they"
              + " asked for (a softmax, say) into the model, so that its predictions here are the"
              + " ones you expect.");
    }
  }

  /**
   * Every file under {@code folder}, relative to it, sorted; hidden and {@code _} files skipped.
   */
  private static List<String> list(FileSystem fs, Path folder) throws IOException {
    String root = fs.makeQualified(folder).toUri().getPath();
    String prefix = root.endsWith("/") ? root : root + "/";
    if ("file".equalsIgnoreCase(fs.getUri().getScheme())) {
      refuseLinkedFolders(java.nio.file.Path.of(root), folder);
    }
    Set<String> out = new TreeSet<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(folder, true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String p = fs.makeQualified(f.getPath()).toUri().getPath();
      if (!p.startsWith(prefix)) {
        continue;
      }
      String relative = p.substring(prefix.length());
      boolean hidden = false;
      for (String part : relative.split("/")) {
        hidden |= part.startsWith(".") || part.startsWith("_");
      }
      if (!hidden && f.isFile()) {
        out.add(relative);
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * Refuses a symbolic link to a folder anywhere under a local model folder: the listing follows
   * it, so a link to the folder itself (or above it) listed every file again at each level, up to
   * the system's link limit, each copy digested and copied to every executor (and two such links
   * branch at every level).
   */
  private static void refuseLinkedFolders(java.nio.file.Path root, Path folder) throws IOException {
    try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(root)) {
      java.nio.file.Path linked =
          all.filter(
                  p -> java.nio.file.Files.isSymbolicLink(p) && java.nio.file.Files.isDirectory(p))
              .findFirst()
              .orElse(null);
      if (linked != null) {
        throw new ModelLoadException(
            "model.path "
                + folder
                + " holds a symbolic link to a folder, "
                + root.relativize(linked)
                + " -> "
                + java.nio.file.Files.readSymbolicLink(linked)
                + "; every file of a model folder is part of the model, and a linked folder can"
                + " repeat it without end. Copy the files in, or link each file instead.");
      }
    }
  }

  private static boolean isModelFile(String name, ModelEngine engine) {
    String n = name.toLowerCase(Locale.ROOT);
    if (NOT_MODELS.contains(n)) {
      return false;
    }
    if (engine == null) {
      // Without a named engine only unambiguous extensions: .json and .txt are also configs.
      return n.endsWith(".onnx")
          || n.endsWith(".pt")
          || n.endsWith(".torchscript")
          || n.endsWith(".ubj");
    }
    return switch (engine) {
      case ONNX_RUNTIME -> n.endsWith(".onnx");
      case PYTORCH -> n.endsWith(".pt") || n.endsWith(".torchscript");
      case XGBOOST -> n.endsWith(".json") || n.endsWith(".ubj");
      case LIGHTGBM -> n.endsWith(".txt");
    };
  }

  private static String extensions(ModelEngine engine) {
    return switch (engine) {
      case ONNX_RUNTIME -> ".onnx";
      case PYTORCH -> ".pt or .torchscript";
      case XGBOOST -> ".json or .ubj";
      case LIGHTGBM -> ".txt";
    };
  }

  /** True when {@code option.modelName} is unset or names this file, with or without extension. */
  private static boolean named(String file, String modelName) {
    if (modelName == null) {
      return true;
    }
    int dot = file.lastIndexOf('.');
    return file.equals(modelName) || (dot > 0 && file.substring(0, dot).equals(modelName));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
