package io.shardscore.job.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;

/**
 * A task that holds its GPU for a moment and reports {@code executor,address,start,end}: shipped to
 * the executors in a jar of its own so that a test can see which addresses Spark handed out.
 */
public final class GpuSpanProbe implements Function<Integer, String> {
  private static final long serialVersionUID = 1L;

  @Override
  public String call(Integer ignored) throws Exception {
    long start = System.nanoTime();
    Thread.sleep(300);
    String address = TaskContext.get().resourcesJMap().get("gpu").addresses()[0];
    return SparkEnv.get().executorId() + "," + address + "," + start + "," + System.nanoTime();
  }

  /** A jar holding this class, for {@code spark.jars}. */
  static Path jar(Path dir) throws IOException {
    String entry = GpuSpanProbe.class.getName().replace('.', '/') + ".class";
    Path jar = dir.resolve("gpu-span-probe.jar");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out)) {
      j.putNextEntry(new JarEntry(entry));
      j.write(Files.readAllBytes(Paths.get("target/test-classes").resolve(entry)));
      j.closeEntry();
    }
    return jar;
  }
}
