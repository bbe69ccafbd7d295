package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.model.onnx.Mlp;
import io.shardscore.model.onnx.OnnxMlpWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model cache's bound: least recently used copies are evicted once a new copy takes the cache
 * over its byte limit, never one used within the in-use window nor the copy just made. The clock is
 * the test's own, so "recently" never depends on how fast the machine is.
 */
class ModelCacheLimitsTest {
  private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
  private static final Duration WINDOW = Duration.ofMinutes(10);

  @TempDir Path dir;

  /** A clock the test moves by hand. */
  private static final class TestClock extends Clock {
    Instant now = NOW;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final TestClock clock = new TestClock();

  /** A distinct ONNX model (its own digest) of the same size as the others. */
  private ModelSpec model(int seed) throws IOException {
    Path file = dir.resolve("src").resolve("m" + seed + ".onnx");
    Files.createDirectories(file.getParent());
    OnnxMlpWriter.write(Mlp.seeded(seed, 4, 32, 3), file);
    return new ModelSpec(file.toString(), ModelEngine.ONNX_RUNTIME, ModelDigest.of(file), 4);
  }

  private Path copy(ModelCache cache, ModelSpec spec, Duration ago) throws IOException {
    clock.now = NOW.minus(ago);
    return cache.localCopy(spec, ModelFiles.local(Path.of(spec.location())));
  }

  private static long size(ModelSpec spec) throws IOException {
    return Files.size(Path.of(spec.location()));
  }

  private static boolean cached(ModelCache cache, ModelSpec spec) {
    return Files.isDirectory(cache.root().resolve(spec.digest() + "-onnx"));
  }

  @Test
  void theLeastRecentlyUsedCopiesGoWhenANewCopyTakesTheCacheOverItsLimit() throws IOException {
    ModelSpec a = model(1);
    ModelSpec b = model(2);
    ModelSpec c = model(3);
    ModelSpec d = model(4);
    ModelCache cache =
        new ModelCache(
            dir.resolve("cache"), new CacheLimits(2 * size(a) + size(a) / 2, WINDOW), clock);
    copy(cache, a, Duration.ofHours(3));
    copy(cache, b, Duration.ofHours(2));
    copy(cache, c, Duration.ofHours(1));
    assertFalse(cached(cache, a), "a third copy took the cache over two and a half models");
    assertTrue(cached(cache, b) && cached(cache, c));

    Path copied = copy(cache, d, Duration.ZERO);
    assertFalse(cached(cache, b), "the least recently used copy went");
    assertTrue(cached(cache, c), "the next one stays: the cache is within its limit again");
    assertTrue(Files.isRegularFile(copied), "the new copy stays");

    // An evicted model is copied again on its next use, verified as any copy.
    Path again = copy(cache, a, Duration.ZERO);
    assertEquals(ModelDigest.of(again), a.digest());
  }

  @Test
  void aCopyUsedWithinTheWindowIsKeptEvenOverTheLimit() throws IOException {
    ModelSpec a = model(5);
    ModelSpec b = model(6);
    ModelCache cache = new ModelCache(dir.resolve("cache"), new CacheLimits(0, WINDOW), clock);
    copy(cache, a, WINDOW.minusMinutes(1)); // another JVM may still be loading it
    copy(cache, b, Duration.ZERO);
    assertTrue(cached(cache, a), "used 9 minutes ago, within the 10-minute window");
    assertTrue(cached(cache, b), "the copy just made is never evicted");
    clock.now = NOW.plus(WINDOW);
    copy(cache, model(7), WINDOW.negated());
    assertFalse(cached(cache, a), "out of the window, over the limit: evicted");
  }

  @Test
  void usingACopyMarksItRecentlyUsed() throws IOException {
    ModelSpec a = model(8);
    ModelSpec b = model(9);
    ModelCache cache =
        new ModelCache(
            dir.resolve("cache"), new CacheLimits(2 * size(a) + size(a) / 2, WINDOW), clock);
    copy(cache, a, Duration.ofHours(3));
    copy(cache, b, Duration.ofHours(2));
    clock.now = NOW.minus(Duration.ofHours(1));
    cache.localCopy(
        a, new UnreadableFiles()); // a hit: the good copy is used, the source is not read
    copy(cache, model(10), Duration.ZERO);
    assertTrue(cached(cache, a), "used an hour ago, after b");
    assertFalse(cached(cache, b), "b is now the least recently used");
  }

  @Test
  void halfWrittenCopiesOlderThanTheWindowAreRemoved() throws IOException {
    ModelSpec a = model(11);
    ModelCache cache =
        new ModelCache(dir.resolve("cache"), new CacheLimits(1L << 30, WINDOW), clock);
    Path root = Files.createDirectories(cache.root());
    Path dead = Files.createDirectories(root.resolve(a.digest() + ".part-111"));
    Files.writeString(dead.resolve("model.onnx"), "half");
    Files.setLastModifiedTime(dead, FileTime.from(NOW.minus(Duration.ofHours(2))));
    Path copying = Files.createDirectories(root.resolve(a.digest() + ".part-222"));
    Files.setLastModifiedTime(copying, FileTime.from(NOW.minusSeconds(30)));
    copy(cache, a, Duration.ZERO);
    assertFalse(Files.exists(dead), "a copy a JVM died writing is removed");
    assertTrue(Files.exists(copying), "a copy another JVM is writing now is left alone");
  }

  @Test
  void aCopyStillBeingWrittenIsLeftAloneHoweverLongItTakes() throws IOException {
    ModelSpec big = model(12);
    ModelSpec other = model(13);
    Path root = dir.resolve("cache");
    ModelCache slow = new ModelCache(root, new CacheLimits(1L << 30, WINDOW), clock);
    // Another thread (or JVM) whose clock says the slow copy began two windows ago: its own new
    // copy looks through the cache while the slow one is still reading its source.
    TestClock later = new TestClock();
    later.now = Instant.now().plus(WINDOW.multipliedBy(2));
    ModelCache evicting = new ModelCache(root, new CacheLimits(1L << 30, WINDOW), later);
    ModelFiles source = ModelFiles.local(Path.of(big.location()));
    ModelFiles slowSource =
        new ModelFiles() {
          @Override
          public InputStream openModel() throws IOException {
            InputStream in = source.openModel();
            return new java.io.FilterInputStream(in) {
              boolean first = true;

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                if (first) {
                  first = false;
                  evicting.localCopy(other, ModelFiles.local(Path.of(other.location())));
                }
                return super.read(b, off, len);
              }
            };
          }

          @Override
          public InputStream openSideFile(String relativePath) throws IOException {
            return source.openSideFile(relativePath);
          }

          @Override
          public String modelLocation() {
            return source.modelLocation();
          }

          @Override
          public String sideFileLocation(String relativePath) {
            return source.sideFileLocation(relativePath);
          }
        };
    Path copied = slow.localCopy(big, slowSource);
    assertEquals(big.digest(), ModelDigest.of(copied), "the slow copy completed, intact");
    assertTrue(cached(slow, other));
    try (var left = Files.list(root)) {
      assertEquals(2, left.count(), "no half-made copy or lock file is left behind");
    }
    assertFalse(Files.exists(copied.resolveSibling(".shardscore-writing")));
  }

  @Test
  void aCopyAnotherProcessIsWritingIsLeftAloneUntilItDies() throws Exception {
    ModelSpec a = model(14);
    ModelCache cache =
        new ModelCache(dir.resolve("cache"), new CacheLimits(1L << 30, WINDOW), clock);
    Path root = Files.createDirectories(cache.root());
    Path part = Files.createDirectories(root.resolve(a.digest() + ".part-333"));
    Path lock = Files.writeString(part.resolve(".shardscore-writing"), "");
    Files.setLastModifiedTime(part, FileTime.from(NOW.minus(Duration.ofHours(2))));
    // Another process holds the lock (a POSIX record lock, as a JVM's FileLock is on Linux).
    Process writer =
        new ProcessBuilder(
                "/usr/bin/python3",
                "-c",
                "import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX);"
                    + " print('locked', flush=True); sys.stdin.read()",
                lock.toString())
            .start();
    try {
      assertEquals(
          "locked",
          new java.io.BufferedReader(new java.io.InputStreamReader(writer.getInputStream()))
              .readLine());
      copy(cache, a, Duration.ZERO);
      assertTrue(Files.exists(part), "two hours old, but its writer is alive");
    } finally {
      writer.getOutputStream().close();
      writer.waitFor();
    }
    copy(cache, model(15), Duration.ZERO);
    assertFalse(Files.exists(part), "its writer is gone: the lock went with it");
  }

  @Test
  void limitsTakeUnitsAndBadValuesAreNamed() {
    assertEquals(500L << 20, CacheLimits.parse("500m", null).maxBytes());
    assertEquals(3L << 10, CacheLimits.parse(" 3K ", null).maxBytes());
    assertEquals(1048576, CacheLimits.parse("1048576", "0").maxBytes());
    assertEquals(Duration.ZERO, CacheLimits.parse(null, "0").inUseWindow());
    assertEquals(new CacheLimits(8L << 30, Duration.ofMinutes(60)), CacheLimits.parse(null, null));
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> CacheLimits.parse("lots", null));
    assertTrue(e.getMessage().contains("shardscore.model-cache.max-bytes is 'lots'"));
    e = assertThrows(ModelLoadException.class, () -> CacheLimits.parse("-1g", null));
    assertTrue(e.getMessage().contains("shardscore.model-cache.max-bytes is '-1g'"));
    e = assertThrows(ModelLoadException.class, () -> CacheLimits.parse(null, "-5"));
    assertTrue(e.getMessage().contains("shardscore.model-cache.in-use-minutes is '-5'"));
  }
}
