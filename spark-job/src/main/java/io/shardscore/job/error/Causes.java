package io.shardscore.job.error;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Walks a cause chain, stopping at self-causes and cycles. */
public final class Causes {
  private static final int MAX_DEPTH = 64;

  private Causes() {}

  /** The throwable and its causes, outermost first. */
  public static List<Throwable> chain(Throwable error) {
    List<Throwable> out = new ArrayList<>();
    for (Throwable t = error; t != null && out.size() < MAX_DEPTH; t = t.getCause()) {
      if (out.contains(t)) {
        break;
      }
      out.add(t);
    }
    return out;
  }

  /** The outermost throwable of {@code type} in the chain. */
  public static <T extends Throwable> Optional<T> find(Throwable error, Class<T> type) {
    for (Throwable t : chain(error)) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
    }
    return Optional.empty();
  }

  /** The innermost cause's message, first line only (its class name when it has none). */
  public static String rootMessage(Throwable error) {
    List<Throwable> chain = chain(error);
    Throwable root = chain.get(chain.size() - 1);
    String message = root.getMessage();
    return message == null || message.isBlank() ? root.toString() : message.split("\n")[0];
  }
}
