package io.shardscore.job.store;

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
 * them through {@link #files()} straight into its verified, digest-named {@link ModelCache}: local
 * files (no scheme, or {@code file:}) from the local disk, others ({@code s3a:}, {@code hdfs:})
 * through Hadoop.
 */
public record HadoopModelSource(String location, String digest, HadoopConf conf)
    implements ModelSource, Serializable {

  /** The local file: itself on the local disk, else a verified copy in the shared model cache. */
  @Override
  public Path localFile() throws IOException {
    Path local = localPath();
    if (local != null) {
      return local;
    }
    return ModelCache.shared().localCopy(digest, ModelEngine.ONNX_RUNTIME, location, files());
  }

  @Override
  public ModelFiles files() {
    Path local = localPath();
    if (local != null) {
      return ModelFiles.local(local);
    }
    return new HadoopModelFiles(new org.apache.hadoop.fs.Path(location), conf.get());
  }

  private Path localPath() {
    URI uri = URI.create(location.replace(" ", "%20"));
    if (uri.getScheme() == null) {
      return Paths.get(location);
    }
    return uri.getScheme().equals("file") ? Paths.get(uri) : null;
  }
}
