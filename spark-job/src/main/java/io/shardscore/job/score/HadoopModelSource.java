package io.shardscore.job.score;

import io.shardscore.model.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.fs.FileSystem;

/**
 * Gets a local copy of a model file on any Hadoop file system. Local files are used in place;
 * others ({@code s3a:}, {@code hdfs:}) are copied once per JVM into a folder named by digest.
 */
public record HadoopModelSource(String location, String digest, HadoopConf conf)
    implements ModelSource, Serializable {

  @Override
  public Path localFile() throws IOException {
    URI uri = URI.create(location.replace(" ", "%20"));
    if (uri.getScheme() == null || uri.getScheme().equals("file")) {
      return uri.getScheme() == null ? Paths.get(location) : Paths.get(uri);
    }
    Path dir = Paths.get(System.getProperty("java.io.tmpdir"), "shardscore-models");
    Files.createDirectories(dir);
    Path target = dir.resolve(digest + ".model");
    if (Files.exists(target)) {
      return target;
    }
    org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(location);
    FileSystem fs = source.getFileSystem(conf.get());
    Path tmp = Files.createTempFile(dir, digest, ".part");
    try (InputStream in = fs.open(source)) {
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return target;
  }
}
