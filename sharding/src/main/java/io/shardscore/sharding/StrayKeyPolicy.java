package io.shardscore.sharding;

import java.util.Locale;

/**
 * What happens to rows whose key has no planned shard: a null key, or a key outside every range.
 */
public enum StrayKeyPolicy {
  /** The rows form a shard of their own and are scored like any other. */
  SHARD,
  /** The rows go to the errors dataset with the reason; nothing is scored for them. */
  ERRORS,
  /** The run stops before scoring and names how many keys were stray and which. */
  FAIL;

  /** Parses {@code shard}, {@code errors} or {@code fail}; {@code what} names the setting. */
  public static StrayKeyPolicy parse(String text, String what) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new ShardingException(what + " is '" + text + "'; use one of: shard, errors, fail.");
    }
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
