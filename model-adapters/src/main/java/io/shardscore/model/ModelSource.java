package io.shardscore.model;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the registry reads a model from when it must load it. The registry copies the model (and,
 * for ONNX, its external-data files) into the verified {@link ModelCache} and loads that copy.
 */
@FunctionalInterface
public interface ModelSource {
  /** A local file holding the model's bytes; its external-data files are next to it. */
  Path localFile() throws IOException;

  /**
   * The model's files, opened where they are. By default {@link #localFile()} and the files next to
   * it; a source on a remote store overrides this to read from there directly.
   */
  default ModelFiles files() throws IOException {
    return ModelFiles.local(localFile());
  }
}
