package io.shardscore.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The identity of a model, as 64 lowercase hex digits: the SHA-256 of its file's bytes, and for an
 * ONNX model that keeps tensors in external-data files, of those files' bytes too. Two models with
 * the same bytes are the same model wherever they live; a changed byte, in the model file or in a
 * weights file it refers to, is a new model.
 *
 * <p>A model without external data (and any model of an engine other than ONNX Runtime) keeps the
 * plain SHA-256 of its file. With external data the digest is the SHA-256 of a fixed header, the
 * model file's SHA-256, then each referenced file's path (relative to the model's folder, sorted),
 * size and SHA-256.
 *
 * <p>A model that declares files beside it (a text model's tokenizer, see {@link
 * ModelSpec#declaredFiles()}) is digested the same way under its own header, over its declared and
 * external-data files together: a changed vocabulary is a new model.
 */
public final class ModelDigest {
  private static final String EXTERNAL_DATA_HEADER =
      "shardscore model digest v1: onnx + external\n";

  private static final String DECLARED_FILES_HEADER =
      "shardscore model digest v1: model + declared files\n";

  private ModelDigest() {}

  /**
   * The digest of an ONNX model file on the local disk, with the external-data files next to it.
   */
  public static String of(Path file) {
    return of(file, ModelEngine.ONNX_RUNTIME);
  }

  /** The digest of a model file on the local disk, for {@code engine}. */
  public static String of(Path file, ModelEngine engine) {
    try {
      return of(engine, ModelFiles.local(file));
    } catch (IOException e) {
      throw new ModelLoadException(
          "Cannot read model file " + file + ": " + e.getMessage() + ". Check the path.", e);
    }
  }

  /**
   * The digest of a model wherever it is: the model file read once, as a stream, and for an ONNX
   * model every external-data file it refers to.
   *
   * @throws ModelLoadException when a referenced file does not exist or points outside the model's
   *     folder; the message names it
   * @throws IOException when a file cannot be read (the model file's own {@code
   *     FileNotFoundException} included)
   */
  public static String of(ModelEngine engine, ModelFiles files) throws IOException {
    return of(engine, files, List.of());
  }

  /**
   * The digest of a model and the files it declares beside it ({@code declared}, relative to its
   * folder); with none declared, the same as {@link #of(ModelEngine, ModelFiles)}.
   *
   * @throws ModelLoadException when a declared file does not exist or points outside the model's
   *     folder
   */
  public static String of(ModelEngine engine, ModelFiles files, List<String> declared)
      throws IOException {
    MessageDigest sha = sha256();
    Set<String> locations = Set.of();
    try (HashingInputStream in = new HashingInputStream(files.openModel(), sha)) {
      if (engine.onnxFormat()) {
        locations = externalData(in);
      }
      in.drain();
    }
    String model = HexFormat.of().formatHex(sha.digest());
    if (locations.isEmpty() && declared.isEmpty()) {
      return model;
    }
    MessageDigest all = sha256();
    all.update(
        (declared.isEmpty() ? EXTERNAL_DATA_HEADER : DECLARED_FILES_HEADER)
            .getBytes(StandardCharsets.UTF_8));
    all.update((model + "\n").getBytes(StandardCharsets.UTF_8));
    Set<String> external = new TreeSet<>(sideFiles(locations, files.modelLocation()));
    Set<String> declaredHere = new TreeSet<>(declaredFiles(declared, files.modelLocation()));
    Set<String> every = new TreeSet<>(external);
    every.addAll(declaredHere);
    for (String file : every) {
      MessageDigest part = sha256();
      long size;
      try (InputStream in = files.openSideFile(file)) {
        size = update(part, in);
      } catch (FileNotFoundException | NoSuchFileException e) {
        throw external.contains(file) ? missing(files, file, e) : missingDeclared(files, file, e);
      }
      String line = file + "\n" + size + "\n" + HexFormat.of().formatHex(part.digest()) + "\n";
      all.update(line.getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(all.digest());
  }

  /**
   * The plain SHA-256 of a stream's bytes: the digest of a model that refers to no other file. For
   * an ONNX model use {@link #of(ModelEngine, ModelFiles)}, which also covers external data.
   */
  public static String of(InputStream in) throws IOException {
    MessageDigest sha = sha256();
    update(sha, in);
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * The external-data files an ONNX model refers to, as checked paths relative to its folder,
   * sorted; empty for a model of another engine or bytes that are not ONNX (the engine rejects
   * those when it loads them).
   */
  static List<String> sideFiles(ModelEngine engine, InputStream model, String modelLocation)
      throws IOException {
    if (!engine.onnxFormat()) {
      return List.of();
    }
    return sideFiles(externalData(model), modelLocation);
  }

  /**
   * The declared files, as checked paths relative to the model's folder, sorted.
   *
   * @throws ModelLoadException for a path outside the model's folder
   */
  static List<String> declaredFiles(List<String> declared, String modelLocation) {
    Set<String> files = new TreeSet<>();
    for (String file : declared) {
      String normal = inside(file);
      if (normal == null) {
        throw new ModelLoadException(
            "Model "
                + modelLocation
                + " needs the file '"
                + file
                + "', which is not a path inside the model's folder. Put it next to the model"
                + " and name it relative to the model (e.g. 'tokenizer.json').");
      }
      files.add(normal);
    }
    return new ArrayList<>(files);
  }

  static ModelLoadException missingDeclared(ModelFiles files, String file, IOException e) {
    return new ModelLoadException(
        "Model "
            + files.modelLocation()
            + " needs '"
            + file
            + "' beside it, but "
            + files.sideFileLocation(file)
            + " does not exist. Put the file (e.g. the tokenizer the model was trained with) next"
            + " to the model, or name where it is relative to the model, then rerun.",
        e);
  }

  private static Set<String> externalData(InputStream model) throws IOException {
    try {
      return OnnxExternalData.locations(model);
    } catch (InvalidProtocolBufferException notOnnx) {
      return Set.of();
    }
  }

  private static List<String> sideFiles(Set<String> locations, String modelLocation) {
    Set<String> files = new TreeSet<>();
    for (String location : locations) {
      files.add(checked(location, modelLocation));
    }
    return new ArrayList<>(files);
  }

  /** {@code location} normalised and {@code /}-separated, if it stays inside the model's folder. */
  private static String checked(String location, String modelLocation) {
    String normal = inside(location);
    if (normal == null) {
      throw new ModelLoadException(
          "Model "
              + modelLocation
              + " keeps tensor data in the external file '"
              + location
              + "', which is not a path inside the model's folder. Save the model with its"
              + " external data next to it (a relative location such as 'weights.bin'), then"
              + " rerun.");
    }
    return normal;
  }

  /** {@code location} normalised and {@code /}-separated, or null if it leaves the folder. */
  private static String inside(String location) {
    String normal;
    boolean absolute;
    try {
      Path p = Path.of(location).normalize();
      absolute = p.isAbsolute() || location.startsWith("/") || location.startsWith("\\");
      normal = p.toString().replace('\\', '/');
    } catch (InvalidPathException e) {
      absolute = false;
      normal = "";
    }
    if (absolute || normal.isEmpty() || normal.equals("..") || normal.startsWith("../")) {
      return null;
    }
    return normal;
  }

  static ModelLoadException missing(ModelFiles files, String file, IOException e) {
    return new ModelLoadException(
        "Model "
            + files.modelLocation()
            + " keeps tensor data in the external file '"
            + file
            + "', but "
            + files.sideFileLocation(file)
            + " does not exist. Put the model's external-data files next to it, with the"
            + " relative paths it was saved with, then rerun.",
        e);
  }

  private static long update(MessageDigest sha, InputStream in) throws IOException {
    byte[] buf = new byte[1 << 16];
    long total = 0;
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      sha.update(buf, 0, n);
      total += n;
    }
    return total;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  /** Hashes every byte read through it exactly once, skipped bytes included. */
  private static final class HashingInputStream extends FilterInputStream {
    private final MessageDigest sha;

    HashingInputStream(InputStream in, MessageDigest sha) {
      super(in);
      this.sha = sha;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        sha.update((byte) b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        sha.update(b, off, n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[(int) Math.min(1 << 16, Math.max(0, n))];
      long skipped = 0;
      while (skipped < n) {
        int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
        if (r < 0) {
          break;
        }
        skipped += r;
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    @Override
    public synchronized void mark(int readlimit) {}

    @Override
    public synchronized void reset() throws IOException {
      throw new IOException("mark/reset not supported");
    }

    void drain() throws IOException {
      byte[] buf = new byte[1 << 16];
      while (read(buf, 0, buf.length) >= 0) {
        // hashed in read
      }
    }
  }
}
