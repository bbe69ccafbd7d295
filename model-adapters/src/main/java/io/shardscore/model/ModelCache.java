package io.shardscore.model;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Local copies of models, verified by digest, in one folder that every JVM on the host may share
 * ({@code java.io.tmpdir/shardscore-models-<user>} by default). The copy of a model is the folder
 * named by its digest and format ({@code <digest>-onnx}, {@code -pt}, {@code -txt}, {@code -json},
 * {@code -ubj}), holding the model file and, for an ONNX model, its external-data files at the
 * relative paths the model names. Models are always loaded from here, never from where the user
 * keeps them, so the bytes the engine reads are the bytes the digest was checked on.
 *
 * <p>Safe under concurrent JVMs and threads: a copy is written to a folder of its own, its digest
 * checked, then moved into place in one atomic rename; a folder that is there already is used only
 * after its digest checks out, and one that does not (stale, half-written by something else) is
 * moved aside and replaced.
 *
 * <p>Bounded by {@link CacheLimits}: each use of a copy marks its folder as used (its modification
 * time), and each new copy evicts the least recently used copies beyond the byte limit, except
 * those used within the in-use window. Eviction moves a folder aside atomically before deleting it,
 * and a JVM that finds its copy gone makes a new one, so a nightly retrained model does not fill
 * the executors' disks.
 */
public final class ModelCache {
  private static final org.apache.logging.log4j.Logger LOG =
      org.apache.logging.log4j.LogManager.getLogger(ModelCache.class);

  /**
   * The lock file in a half-made copy's folder, locked by the JVM writing it until the copy is in
   * place.
   */
  private static final String WRITING = ".shardscore-writing";

  /** The half-made copies this JVM's threads are writing now (absolute paths). */
  private static final Set<Path> WRITING_HERE = ConcurrentHashMap.newKeySet();

  private final Path root;
  private final CacheLimits limits;
  private final Clock clock;

  public ModelCache(Path root) {
    this(root, CacheLimits.fromSystemProperties(), Clock.systemUTC());
  }

  /** A cache with explicit limits, judging "recently used" by {@code clock}. */
  public ModelCache(Path root, CacheLimits limits, Clock clock) {
    this.root = root;
    this.limits = limits;
    this.clock = clock;
  }

  /**
   * The cache under {@code java.io.tmpdir}, shared by every JVM of the host that runs as the same
   * user: {@code shardscore-models-<user>} (copies are readable by their owner only, so users of
   * one host keep a folder each).
   */
  public static ModelCache shared() {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return new ModelCache(
        Path.of(System.getProperty("java.io.tmpdir"), "shardscore-models-" + user));
  }

  public Path root() {
    return root;
  }

  /**
   * The local model file for {@code spec}, with its digest verified: the cached copy if there is a
   * good one, else a new copy read from {@code files}.
   *
   * @throws ModelLoadException when the files' digest is not the spec's (the model changed after
   *     the job planned with it), or a file it refers to is missing
   * @throws IOException when the files or the cache folder cannot be read or written
   */
  public Path localCopy(ModelSpec spec, ModelFiles files) throws IOException {
    return localCopy(spec.digest(), spec.engine(), spec.location(), files, spec.declaredFiles());
  }

  /**
   * The same for a model known by its digest and engine.
   *
   * @param location the model as the user named it, for messages
   */
  public Path localCopy(String digest, ModelEngine engine, String location, ModelFiles files)
      throws IOException {
    return localCopy(digest, engine, location, files, List.of());
  }

  /**
   * The same for a model that needs {@code declared} files beside it (see {@link
   * ModelSpec#declaredFiles()}), which are copied and verified with it.
   */
  public Path localCopy(
      String digest, ModelEngine engine, String location, ModelFiles files, List<String> declared)
      throws IOException {
    if (digest == null || !digest.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("digest must be a SHA-256 hex string: " + digest);
    }
    String fileName = modelFileName(engine, location);
    // One folder per digest and file name: the same bytes as XGBoost JSON and as UBJ are two
    // copies, so a JVM that needs one never moves aside the folder another JVM is loading from.
    Path entry = root.resolve(digest + "-" + fileName.substring(fileName.indexOf('.') + 1));
    Path model = entry.resolve(fileName);
    if (Files.isDirectory(entry) && markUsed(entry)) {
      // Marked before it is checked: an eviction elsewhere now leaves it alone, or already moved
      // it away (then the check fails and a new copy is made).
      if (holds(model, digest, engine, declared)) {
        return model;
      }
      discard(entry);
    }
    Files.createDirectories(root);
    Path part = Files.createTempDirectory(root, digest + ".part-");
    Path writingKey = part.toAbsolutePath().normalize();
    WRITING_HERE.add(writingKey);
    FileChannel writing = null;
    try {
      // Held until the copy is in place: an eviction in another JVM that finds this folder older
      // than the in-use window (a large model copying slowly) sees it is alive and leaves it.
      writing =
          FileChannel.open(
              part.resolve(WRITING), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        writing.lock();
      } catch (IOException unsupported) {
        // A file system without locks: evictions judge this folder by its age, as before.
        LOG.debug("Cannot lock {}: {}", part, unsupported.toString());
      }
      Path copy = part.resolve(model.getFileName().toString());
      try (InputStream in = files.openModel()) {
        Files.copy(in, copy);
      }
      List<String> sideFiles;
      try (InputStream in = Files.newInputStream(copy)) {
        sideFiles = ModelDigest.sideFiles(engine, in, files.modelLocation());
      }
      for (String file : sideFiles) {
        copySideFile(files, file, copy, part, false);
      }
      for (String file : ModelDigest.declaredFiles(declared, files.modelLocation())) {
        if (!sideFiles.contains(file)) {
          copySideFile(files, file, copy, part, true);
        }
      }
      String actual = ModelDigest.of(engine, ModelFiles.local(copy), declared);
      if (!actual.equals(digest)) {
        throw new ModelLoadException(
            "Model "
                + location
                + " changed while the job ran: its digest is now "
                + actual
                + ", the job planned with "
                + digest
                + ". Publish a new model under a new name instead of overwriting it, then rerun.");
      }
      // The lock file goes before the folder is marked and moved (deleting it would change the
      // folder's time); from here on the folder's fresh time keeps evictions off it.
      Files.delete(part.resolve(WRITING));
      Files.setLastModifiedTime(part, FileTime.from(clock.instant()));
      try {
        Files.move(part, entry, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException lost) {
        // Another JVM or thread put its copy in place first (or a bad one is in the way).
        if (Files.isDirectory(entry) && markUsed(entry) && holds(model, digest, engine, declared)) {
          return model;
        }
        discard(entry);
        Files.move(part, entry, StandardCopyOption.ATOMIC_MOVE);
      }
      evictBeyondLimits(entry);
      return model;
    } finally {
      if (writing != null) {
        writing.close();
      }
      deleteQuietly(part);
      WRITING_HERE.remove(writingKey);
    }
  }

  /**
   * The name of the cached copy: engines read the format from it (XGBoost reads {@code .ubj} as UBJ
   * and anything else as JSON), so an XGBoost copy keeps the user's {@code .ubj}.
   */
  private static String modelFileName(ModelEngine engine, String location) {
    return switch (engine) {
      case ONNX_RUNTIME -> "model.onnx";
      case PYTORCH -> "model.pt";
      case LIGHTGBM -> "model.txt";
      case XGBOOST ->
          location != null && location.toLowerCase(java.util.Locale.ROOT).endsWith(".ubj")
              ? "model.ubj"
              : "model.json";
    };
  }

  private static void copySideFile(
      ModelFiles files, String file, Path copy, Path part, boolean declared) throws IOException {
    Path target = part.resolve(file).normalize();
    if (!target.startsWith(part) || target.equals(copy) || target.equals(part.resolve(WRITING))) {
      throw new ModelLoadException(
          "Model "
              + files.modelLocation()
              + (declared ? " needs the file '" : " keeps tensor data in the external file '")
              + file
              + "', a name shardscore's model cache uses for the model itself. Give the file"
              + " another name, then rerun.");
    }
    Files.createDirectories(target.getParent());
    try (InputStream in = files.openSideFile(file)) {
      Files.copy(in, target);
    } catch (FileNotFoundException | NoSuchFileException e) {
      throw declared
          ? ModelDigest.missingDeclared(files, file, e)
          : ModelDigest.missing(files, file, e);
    }
  }

  /**
   * True when the cached folder holds exactly the model of {@code digest}; false when it holds
   * other bytes or misses a file (a read error is thrown, not taken as a bad copy).
   */
  private static boolean holds(Path model, String digest, ModelEngine engine, List<String> declared)
      throws IOException {
    if (!Files.isRegularFile(model)) {
      return false;
    }
    try {
      return ModelDigest.of(engine, ModelFiles.local(model), declared).equals(digest);
    } catch (ModelLoadException | FileNotFoundException | NoSuchFileException missing) {
      return false;
    }
  }

  /** Marks a copy as used now; false when it is gone (evicted or discarded meanwhile). */
  private boolean markUsed(Path entry) {
    try {
      Files.setLastModifiedTime(entry, FileTime.from(clock.instant()));
      return true;
    } catch (NoSuchFileException gone) {
      return false;
    } catch (IOException e) {
      // Not markable here (e.g. another user's folder): still usable; eviction may then take it
      // sooner, and a load that finds it gone copies it again.
      LOG.debug("Could not mark model copy {} as used: {}", entry, e.toString());
      return Files.isDirectory(entry);
    }
  }

  /**
   * Evicts the least recently used copies while the cache holds more than the byte limit, keeping
   * {@code keep} (the copy just made) and every copy used within the in-use window; removes
   * half-written and discarded leftovers older than that window. Best effort: a copy another JVM
   * evicts first, or a file that cannot be deleted, is skipped.
   */
  private void evictBeyondLimits(Path keep) {
    Instant recent = clock.instant().minus(limits.inUseWindow());
    List<Entry> entries = new ArrayList<>();
    List<Path> listed;
    try (Stream<Path> listing = Files.list(root)) {
      listed = listing.toList();
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("Could not look through the model cache {}: {}", root, e.toString());
      return;
    }
    for (Path p : listed) {
      String name = p.getFileName().toString();
      try {
        Instant used = Files.getLastModifiedTime(p).toInstant();
        if (name.contains(".part-") || name.startsWith(".discarded-")) {
          if (used.isBefore(recent) && !(name.contains(".part-") && beingWritten(p))) {
            deleteQuietly(p);
          }
        } else if (Files.isDirectory(p)) {
          entries.add(new Entry(p, used, sizeOf(p)));
        }
      } catch (IOException | UncheckedIOException gone) {
        // Evicted or replaced by another JVM while this one looked: not this JVM's to count.
      }
    }
    long total = entries.stream().mapToLong(Entry::bytes).sum();
    entries.sort(Comparator.comparing(Entry::used));
    for (Entry e : entries) {
      if (total <= limits.maxBytes()) {
        return;
      }
      if (e.path().equals(keep) || !e.used().isBefore(recent)) {
        continue;
      }
      try {
        discard(e.path());
        total -= e.bytes();
        LOG.info(
            "Evicted model copy {} ({} bytes, last used {}) from {}: the cache was over {} bytes",
            e.path().getFileName(),
            e.bytes(),
            e.used(),
            root,
            limits.maxBytes());
      } catch (IOException ex) {
        LOG.warn("Could not evict model copy {}: {}", e.path(), ex.toString());
      }
    }
  }

  /**
   * True when a JVM is still writing the half-made copy {@code part}: this one (its own threads,
   * which must not open the lock file, as closing any channel to it would release the lock for the
   * whole process) or another, which holds the lock on its {@link #WRITING} file. False for a
   * folder whose writer died (the system released its lock), that has no lock file, or on a file
   * system without locks.
   */
  private static boolean beingWritten(Path part) {
    if (WRITING_HERE.contains(part.toAbsolutePath().normalize())) {
      return true;
    }
    try (FileChannel channel = FileChannel.open(part.resolve(WRITING), StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (OverlappingFileLockException held) {
      return true;
    } catch (IOException noLocks) {
      // No lock file, or a file system without locks (where the writer could not lock either):
      // the folder's age decides, as it did before locks.
      return false;
    }
  }

  /** A copy in the cache: its folder, when it was last used, and its size. */
  private record Entry(Path path, Instant used, long bytes) {}

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  /**
   * Moves a bad copy out of the way (atomically, so readers see it or nothing), then deletes it.
   */
  private void discard(Path entry) throws IOException {
    Path aside = root.resolve(".discarded-" + entry.getFileName() + "-" + UUID.randomUUID());
    try {
      Files.move(entry, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException gone) {
      return; // another JVM moved it first
    }
    deleteQuietly(aside);
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | UncheckedIOException e) {
      // Leftovers in a temporary folder are harmless; the next copy uses a new name.
    }
  }
}
