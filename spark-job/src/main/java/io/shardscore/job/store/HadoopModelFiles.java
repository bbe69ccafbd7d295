package io.shardscore.job.store;

import io.shardscore.model.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A model file and the files it refers to (an ONNX model's external data) on any Hadoop file
 * system, read in place: for {@link io.shardscore.model.ModelDigest#of(
 * io.shardscore.model.ModelEngine, ModelFiles)} and for copying into the model cache.
 */
public final class HadoopModelFiles implements ModelFiles {
  private final Path model;
  private final Configuration conf;

  public HadoopModelFiles(Path model, Configuration conf) {
    this.model = model;
    this.conf = conf;
  }

  @Override
  public InputStream openModel() throws IOException {
    return model.getFileSystem(conf).open(model);
  }

  @Override
  public InputStream openSideFile(String relativePath) throws IOException {
    Path side = sideFile(relativePath);
    return side.getFileSystem(conf).open(side);
  }

  @Override
  public String modelLocation() {
    return model.toString();
  }

  @Override
  public String sideFileLocation(String relativePath) {
    return sideFile(relativePath).toString();
  }

  private Path sideFile(String relativePath) {
    return new Path(model.getParent(), relativePath);
  }
}
