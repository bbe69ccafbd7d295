package io.shardscore.model;

import java.io.IOException;
import java.nio.file.Path;

/** Where the registry gets a local copy of a model's file when it must load it. */
@FunctionalInterface
public interface ModelSource {
  /** A local file holding the model's bytes. */
  Path localFile() throws IOException;
}
