package io.shardscore.job.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * A task of a barrier stage that holds its GPU across the stage's barrier and reports {@code
 * executor,address,start,end}: every task of the stage is running between its start and its end
 * (the barrier returns only once all of them reached it), so the spans of one stage overlap by
 * construction, not by timing. Shipped to the executors in a jar of its own so that a test can see
 * which addresses Spark handed out.
 */
public final class GpuSpanProbe extends AbstractFunction1<Iterator<Integer>, Iterator<String>>
    implements Serializable {
  private static final long serialVersionUID = 1L;

  @Override
  public Iterator<String> apply(Iterator<Integer> ignored) {
    long start = System.nanoTime();
    BarrierTaskContext context = BarrierTaskContext.get();
    String address = context.resourcesJMap().get("gpu").addresses()[0];
    context.barrier();
    String span =
        SparkEnv.get().executorId() + "," + address + "," + start + "," + System.nanoTime();
    return CollectionConverters.asScala(List.of(span).iterator());
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
