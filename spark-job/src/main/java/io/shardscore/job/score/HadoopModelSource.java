package io.shardscore.job.score;

import io.shardscore.model.ModelCache;
import io.shardscore.model.ModelEngine;
import io.shardscore.model.ModelFiles;
import io.shardscore.model.ModelSource;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A model file (and its ONNX external-data files) on any Hadoop file system. The registry reads
 * them through {@link #files()} straight into its verified, digest-named {@link ModelCache}.
 */
public record HadoopModelSource(String location, String digest, HadoopConf conf)
    implements ModelSource, Serializable {

  /** The local file: itself on {@code file:}, else a verified copy in the shared model cache. */
  @Override
  public Path localFile() throws IOException {
    URI uri = URI.create(location.replace(" ", "%20"));
    if (uri.getScheme() == null || uri.getScheme().equals("file")) {
      return uri.getScheme() == null ? Paths.get(location) : Paths.get(uri);
    }
    return ModelCache.shared().localCopy(digest, ModelEngine.ONNX_RUNTIME, location, files());
  }

  @Override
  public ModelFiles files() {
    return new HadoopModelFiles(new org.apache.hadoop.fs.Path(location), conf.get());
  }
}
