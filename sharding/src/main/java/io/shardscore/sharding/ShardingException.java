package io.shardscore.sharding;

/**
 * A shard specification that cannot be planned or applied; the message names the value and the fix.
 */
public final class ShardingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ShardingException(String message) {
    super(message);
  }
}
