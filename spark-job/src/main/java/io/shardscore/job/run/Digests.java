package io.shardscore.job.run;

import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 digests that name what decides a shard's committed rows. */
final class Digests {
  private Digests() {}

  static String sha256(String canonical) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A shard's identity for change detection and resume: the prediction settings, the stray-key
   * policies of the plan, and the shard's role and reject reason. Together with the model digest
   * and the input fingerprint it decides the shard's committed rows.
   */
  static String shardIdentity(String settingsDigest, ShardPlan plan, Shard shard) {
    return sha256(
        settingsDigest
            + ";unmatched="
            + plan.unmatchedKeys().configName()
            + ";null-keys="
            + plan.nullKeys().configName()
            + ";role="
            + shard.role()
            + ";scored="
            + shard.scored()
            + ";reject="
            + shard.rejectReason());
  }
}
