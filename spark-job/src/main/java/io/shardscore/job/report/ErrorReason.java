package io.shardscore.job.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The committed unscorable rows of one reason, as the report shows them.
 *
 * @param reason the {@code error_reason} text
 * @param rows how many committed error rows carry it
 * @param sampleKeys the smallest and the largest of their shard keys ({@code null} when all are
 *     null)
 */
public record ErrorReason(String reason, long rows, List<String> sampleKeys) {
  public ErrorReason {
    sampleKeys =
        sampleKeys == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(sampleKeys));
  }
}
