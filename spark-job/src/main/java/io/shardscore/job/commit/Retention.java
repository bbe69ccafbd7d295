package io.shardscore.job.commit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardscore.job.config.JobConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * How long files that a commit superseded stay on disk, so that manifest-aware readers still
 * reading an older version can finish. Superseded files are recorded with the time of the commit
 * that superseded them in {@code _shardscore/superseded.json} and removed by the first commit after
 * their retention ran out. Plain Parquet readers see them until then.
 */
public final class Retention {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(s|m|h|d)?");
  private static final ObjectMapper JSON = new ObjectMapper();

  private Retention() {}

  /** Parses {@code 0}, {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}. */
  public static Duration parse(String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new JobConfigException(
          "output.retention is '"
              + text
              + "'; write a duration such as 0 (delete at once), 90s, 30m, 12h or 7d.");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofSeconds(n);
    };
  }

  /**
   * Files that must stay although {@code live} does not list them: superseded files still within
   * their retention. Records the files {@code previouslyLive} had that {@code live} drops.
   */
  public static Set<String> protect(
      FileSystem fs,
      Path root,
      Set<String> previouslyLive,
      Set<String> live,
      Duration retention,
      long nowMillis)
      throws IOException {
    Path ledger = new Path(root, ManifestStore.META_DIR + "/superseded.json");
    Map<String, Long> superseded = new HashMap<>();
    if (fs.exists(ledger)) {
      try (InputStream in = fs.open(ledger)) {
        superseded.putAll(JSON.readValue(in, new TypeReference<Map<String, Long>>() {}));
      }
    }
    for (String f : previouslyLive) {
      if (!live.contains(f)) {
        superseded.putIfAbsent(f, nowMillis);
      }
    }
    superseded.keySet().removeIf(live::contains);
    superseded.values().removeIf(at -> nowMillis - at >= retention.toMillis());
    Path tmp = new Path(root, ManifestStore.META_DIR + "/.superseded.json.tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      JSON.writeValue(out, superseded);
    }
    fs.delete(ledger, false);
    fs.rename(tmp, ledger);
    return superseded.keySet();
  }
}
