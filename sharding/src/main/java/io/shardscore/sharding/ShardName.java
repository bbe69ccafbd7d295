package io.shardscore.sharding;

import java.util.regex.Pattern;

/**
 * Rules for shard names. A name becomes a folder ({@code shard=<name>}) on every store, so it is
 * limited to characters that are safe in file systems, object keys and URIs, and it must not start
 * with {@code _} or {@code .}, which Spark's readers treat as hidden.
 */
public final class ShardName {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9-][A-Za-z0-9_.-]{0,99}");

  private ShardName() {}

  /**
   * Returns the name if it is path-safe, else throws a {@link ShardingException} naming the fix.
   */
  public static String requireSafe(String name) {
    if (name == null || !SAFE.matcher(name).matches()) {
      throw new ShardingException(
          "Shard name '"
              + name
              + "' is not path-safe. Use 1-100 characters from A-Z a-z 0-9 _ . - that do not"
              + " start with '_' or '.', e.g. 'customers-0-999'.");
    }
    return name;
  }
}
