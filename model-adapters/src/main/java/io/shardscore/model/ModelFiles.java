package io.shardscore.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model file and the files it refers to (an ONNX model's external-data files), wherever
 * they are: on the local disk ({@link #local}) or on any other store the caller can read.
 */
public interface ModelFiles {
  /** The model file's bytes. */
  InputStream openModel() throws IOException;

  /**
   * The bytes of a file the model refers to, by its path relative to the model's folder ({@code
   * /}-separated, already checked to stay inside that folder).
   *
   * @throws java.io.FileNotFoundException or {@link java.nio.file.NoSuchFileException} when there
   *     is no such file
   */
  InputStream openSideFile(String relativePath) throws IOException;

  /** Where the model file is, for messages. */
  String modelLocation();

  /** Where a side file is looked for, for messages. */
  String sideFileLocation(String relativePath);

  /** A model file on the local disk; its side files are next to it. */
  static ModelFiles local(Path modelFile) {
    return new ModelFiles() {
      @Override
      public InputStream openModel() throws IOException {
        return Files.newInputStream(modelFile);
      }

      @Override
      public InputStream openSideFile(String relativePath) throws IOException {
        return Files.newInputStream(resolve(relativePath));
      }

      @Override
      public String modelLocation() {
        return modelFile.toString();
      }

      @Override
      public String sideFileLocation(String relativePath) {
        return resolve(relativePath).toString();
      }

      private Path resolve(String relativePath) {
        return modelFile.toAbsolutePath().resolveSibling(relativePath);
      }
    };
  }
}
