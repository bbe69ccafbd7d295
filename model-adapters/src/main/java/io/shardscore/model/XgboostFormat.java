package io.shardscore.model;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that an XGBoost model file is one complete JSON or UBJ document before xgboost4j reads it:
 * xgboost4j 3.0.4 sometimes crashes the JVM (in native code, under {@code XGBoosterLoadModel}) on a
 * truncated file instead of returning an error. Then the trees' node arrays are checked ({@link
 * XgboostTrees}); XGBoost itself judges the rest.
 */
final class XgboostFormat {
  private static final int MAX_DEPTH = 512;

  private XgboostFormat() {}

  /** Why {@code file} is not one complete document of its format, or null. */
  static String problem(Path file) throws IOException {
    boolean ubj = file.getFileName().toString().endsWith(".ubj");
    byte[] bytes = ubj ? Files.readAllBytes(file) : null;
    String syntax = ubj ? ubjProblem(bytes) : jsonProblem(file);
    if (syntax != null) {
      return syntax;
    }
    XgboostTrees trees = new XgboostTrees();
    if (ubj) {
      Ubj u = new Ubj(bytes);
      u.walk(u.next(), null, trees);
    } else {
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
          JsonReader json = new JsonReader(in)) {
        walkJson(json, null, trees);
      }
    }
    return trees.problem();
  }

  /**
   * Hands {@code trees} each tree of the (well-formed) JSON model and its num_feature, one tree in
   * memory at a time; everything else is skipped.
   */
  private static void walkJson(JsonReader json, String key, XgboostTrees trees) throws IOException {
    JsonToken token = json.peek();
    if ("trees".equals(key) && token == JsonToken.BEGIN_ARRAY) {
      json.beginArray();
      while (json.hasNext()) {
        trees.tree(com.google.gson.JsonParser.parseReader(json));
      }
      json.endArray();
    } else if ("num_feature".equals(key)
        && token != JsonToken.BEGIN_OBJECT
        && token != JsonToken.BEGIN_ARRAY
        && token != JsonToken.NULL) {
      trees.numFeature(json.nextString());
    } else if (token == JsonToken.BEGIN_OBJECT
        && (key == null || XgboostTrees.PATH.contains(key))) {
      json.beginObject();
      while (json.hasNext()) {
        walkJson(json, json.nextName(), trees);
      }
      json.endObject();
    } else {
      json.skipValue();
    }
  }

  private static String jsonProblem(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        JsonReader json = new JsonReader(in)) {
      // A JsonReader is strict unless made lenient (the API of every Gson a cluster may bring).
      if (json.peek() != JsonToken.BEGIN_OBJECT) {
        return "it is not a JSON object (an XGBoost JSON model starts with '{')";
      }
      json.skipValue();
      if (json.peek() != JsonToken.END_DOCUMENT) {
        return "it holds more than one JSON value";
      }
      return null;
    } catch (java.io.EOFException e) {
      return "its JSON ends inside a value (" + where(e) + "): a truncated file?";
    } catch (com.google.gson.stream.MalformedJsonException
        | com.google.gson.JsonParseException
        | java.nio.charset.MalformedInputException
        | IllegalStateException e) {
      return "it is not well-formed JSON (" + where(e) + "); a UBJ model must be named .ubj";
    }
  }

  /** {@code line 1 column 7} from Gson's message, or the message. */
  private static String where(Exception e) {
    String message = String.valueOf(e.getMessage());
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("line \\d+ column \\d+").matcher(message);
    return m.find() ? "at " + m.group() : message;
  }

  /** Why {@code b} is not one complete UBJSON value (XGBoost's dialect), or null. */
  static String ubjProblem(byte[] b) {
    try {
      Ubj u = new Ubj(b);
      if (b.length == 0 || b[0] != '{') {
        return "it is not a UBJ object (an XGBoost UBJ model starts with '{')";
      }
      u.value(u.next(), 0);
      if (u.pos != b.length) {
        return "it has " + (b.length - u.pos) + " bytes after the UBJ document";
      }
      return null;
    } catch (IllegalArgumentException e) {
      return "it is not complete UBJ (" + e.getMessage() + ")";
    }
  }

  private static final class Ubj {
    private final byte[] b;
    private int pos;

    Ubj(byte[] b) {
      this.b = b;
    }

    byte next() {
      if (pos >= b.length) {
        throw new IllegalArgumentException("it ends at byte " + pos + " inside a value");
      }
      return b[pos++];
    }

    void skip(long n) {
      if (n < 0 || pos + n > b.length) {
        throw new IllegalArgumentException(
            "a value at byte " + pos + " needs " + n + " bytes, " + (b.length - pos) + " remain");
      }
      pos += (int) n;
    }

    long integer(byte marker) {
      int size =
          switch (marker) {
            case 'i', 'U' -> 1;
            case 'I' -> 2;
            case 'l' -> 4;
            case 'L' -> 8;
            default ->
                throw new IllegalArgumentException(
                    "a length at byte " + (pos - 1) + " has marker '" + (char) marker + "'");
          };
      if (pos + size > b.length) {
        throw new IllegalArgumentException("it ends at byte " + b.length + " inside a length");
      }
      long v = marker == 'U' ? b[pos] & 0xff : b[pos];
      for (int i = 1; i < size; i++) {
        v = (v << 8) | (b[pos + i] & 0xff);
      }
      pos += size;
      return v;
    }

    /**
     * Reads one value whose type marker {@code marker} was just read (the document is known to be
     * complete UBJ): numbers, strings, arrays and objects, as the JSON model would hold them.
     */
    com.google.gson.JsonElement read(byte marker, int depth) {
      switch (marker) {
        case 'Z', 'N' -> {
          return com.google.gson.JsonNull.INSTANCE;
        }
        case 'T', 'F' -> {
          return new com.google.gson.JsonPrimitive(marker == 'T');
        }
        case 'i', 'U', 'I', 'l', 'L' -> {
          return new com.google.gson.JsonPrimitive(integer(marker));
        }
        case 'd' -> {
          int bits = (int) integer((byte) 'l');
          return new com.google.gson.JsonPrimitive(Float.intBitsToFloat(bits));
        }
        case 'D' -> {
          long bits = integer((byte) 'L');
          return new com.google.gson.JsonPrimitive(Double.longBitsToDouble(bits));
        }
        case 'C' -> {
          return new com.google.gson.JsonPrimitive(String.valueOf((char) next()));
        }
        case 'S', 'H' -> {
          int n = (int) integer(next());
          String text = new String(b, pos, n, StandardCharsets.UTF_8);
          skip(n);
          return new com.google.gson.JsonPrimitive(text);
        }
        case '[', '{' -> {
          return readContainer(depth, marker == '{');
        }
        default ->
            throw new IllegalArgumentException(
                "byte " + (pos - 1) + " is not a UBJ type marker ('" + (char) marker + "')");
      }
    }

    private com.google.gson.JsonElement readContainer(int depth, boolean object) {
      byte type = 0;
      long count = -1;
      if (b[pos] == '$') {
        pos++;
        type = next();
      }
      if (b[pos] == '#') {
        pos++;
        count = integer(next());
      }
      byte end = (byte) (object ? '}' : ']');
      com.google.gson.JsonObject o = new com.google.gson.JsonObject();
      com.google.gson.JsonArray a = new com.google.gson.JsonArray();
      for (long i = 0; count < 0 || i < count; i++) {
        if (object) {
          byte keyLength = next();
          if (count < 0 && keyLength == end) {
            break;
          }
          int n = (int) integer(keyLength);
          String key = new String(b, pos, n, StandardCharsets.UTF_8);
          skip(n);
          o.add(key, read(type != 0 ? type : next(), depth + 1));
        } else {
          byte marker = type != 0 ? type : next();
          if (count < 0 && marker == end) {
            break;
          }
          a.add(read(marker, depth + 1));
        }
      }
      return object ? o : a;
    }

    /** The UBJ twin of {@link XgboostFormat#walkJson}, for the value {@code marker} starts. */
    void walk(byte marker, String key, XgboostTrees trees) {
      if ("trees".equals(key) && marker == '[') {
        eachElement(element -> trees.tree(read(element, 1)));
      } else if ("num_feature".equals(key) && marker != '{' && marker != '[') {
        com.google.gson.JsonElement v = read(marker, 1);
        trees.numFeature(v.isJsonNull() ? null : v.getAsString());
      } else if (marker == '{' && (key == null || XgboostTrees.PATH.contains(key))) {
        eachMember((name, value) -> walk(value, name, trees));
      } else {
        value(marker, 1);
      }
    }

    /** Calls {@code each} with each element's type marker of the array just opened. */
    private void eachElement(java.util.function.Consumer<Byte> each) {
      byte type = 0;
      long count = -1;
      if (b[pos] == '$') {
        pos++;
        type = next();
      }
      if (b[pos] == '#') {
        pos++;
        count = integer(next());
      }
      for (long i = 0; count < 0 || i < count; i++) {
        byte marker = type != 0 ? type : next();
        if (count < 0 && marker == ']') {
          return;
        }
        each.accept(marker);
      }
    }

    /**
     * Calls {@code each} with each member's key and value type marker of the object just opened.
     */
    private void eachMember(java.util.function.BiConsumer<String, Byte> each) {
      byte type = 0;
      long count = -1;
      if (b[pos] == '$') {
        pos++;
        type = next();
      }
      if (b[pos] == '#') {
        pos++;
        count = integer(next());
      }
      for (long i = 0; count < 0 || i < count; i++) {
        byte keyLength = next();
        if (count < 0 && keyLength == '}') {
          return;
        }
        int n = (int) integer(keyLength);
        String name = new String(b, pos, n, StandardCharsets.UTF_8);
        skip(n);
        each.accept(name, type != 0 ? type : next());
      }
    }

    /** Skips one value whose type marker {@code marker} was just read. */
    void value(byte marker, int depth) {
      if (depth > MAX_DEPTH) {
        throw new IllegalArgumentException("it nests deeper than " + MAX_DEPTH + " levels");
      }
      switch (marker) {
        case 'Z', 'N', 'T', 'F' -> {}
        case 'i', 'U', 'C' -> skip(1);
        case 'I' -> skip(2);
        case 'l', 'd' -> skip(4);
        case 'L', 'D' -> skip(8);
        case 'S', 'H' -> skip(integer(next()));
        case '[' -> container(depth, false);
        case '{' -> container(depth, true);
        default ->
            throw new IllegalArgumentException(
                "byte " + (pos - 1) + " is not a UBJ type marker ('" + (char) marker + "')");
      }
    }

    private void container(int depth, boolean object) {
      byte type = 0;
      long count = -1;
      if (pos < b.length && b[pos] == '$') {
        pos++;
        type = next();
        if (pos >= b.length || b[pos] != '#') {
          throw new IllegalArgumentException("a typed container at byte " + pos + " has no count");
        }
      }
      if (pos < b.length && b[pos] == '#') {
        pos++;
        count = integer(next());
      }
      byte end = (byte) (object ? '}' : ']');
      for (long i = 0; count < 0 || i < count; i++) {
        if (object) {
          byte keyLength = next();
          if (count < 0 && keyLength == end) {
            return;
          }
          skip(integer(keyLength)); // a key: its length, with the length's marker, then its bytes
          value(type != 0 ? type : next(), depth + 1);
        } else {
          byte marker = type != 0 ? type : next();
          if (count < 0 && marker == end) {
            return;
          }
          value(marker, depth + 1);
        }
      }
    }
  }
}
