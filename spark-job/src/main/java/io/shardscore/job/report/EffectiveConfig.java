package io.shardscore.job.report;

import io.shardscore.job.config.JobConfig;
import io.shardscore.job.config.Setting;
import io.shardscore.job.config.Settings;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings a run ran with (defaults applied), one {@code key: value} per setting and per {@code
 * spark.*} entry, with secrets masked: a value whose key names a secret, password, token,
 * credentials, an S3 or Azure account key or a SAS token is replaced by {@link #MASK}, the user
 * information of a URI ({@code s3a://KEY:SECRET@bucket/}) is dropped, and so is the value of a URL
 * query or JDBC parameter whose name names a secret ({@code ?user=u&password=PW}). What it returns
 * is safe to write into a report.
 */
public final class EffectiveConfig {
  public static final String MASK = "••••••";

  private static final Pattern SECRET_KEY =
      Pattern.compile(
          "secret|passw|token|credential|access[._-]?key|private[._-]?key|\\bkey[._-]?id|s3.*\\.key$"
              + "|account[._-]?key|\\bsas\\b|signature|\\bauth");
  private static final Pattern URI_USER_INFO = Pattern.compile("(?<=://)[^/@\\s]+@");
  // A parameter inside a value: a URL query (?password=..&), or a JDBC property list
  // (;password=..).
  private static final Pattern PARAMETER =
      Pattern.compile("([?&;]\\s*)([^=?&;#\\s]+)=([^&;#\\s]*)");

  private EffectiveConfig() {}

  /** The settings of {@code config}, in the order {@link Settings} declares them. */
  public static Map<String, String> of(JobConfig config) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Setting<?> s : Settings.all()) {
      if (s == Settings.SPARK) {
        out.putAll(new TreeMap<>(config.spark()));
        continue;
      }
      // A map (reader options, say) shows one entry per key, so each is masked by its own name.
      if (s.get(config) instanceof Map<?, ?> map) {
        new TreeMap<>(map).forEach((k, v) -> out.put(s.key() + "." + k, String.valueOf(v)));
        continue;
      }
      String text = s.text(config);
      if (text != null) {
        out.put(s.key(), text);
      }
    }
    Map<String, String> masked = new LinkedHashMap<>();
    out.forEach((k, v) -> masked.put(k, masked(k, v)));
    return masked;
  }

  /** {@code value} as a report may show it under {@code key}. */
  public static String masked(String key, String value) {
    if (value == null) {
      return null;
    }
    if (isSecret(key)) {
      return MASK;
    }
    String noUserInfo = URI_USER_INFO.matcher(value).replaceAll(MASK + "@");
    return PARAMETER
        .matcher(noUserInfo)
        .replaceAll(
            m ->
                isSecret(m.group(2))
                    ? Matcher.quoteReplacement(m.group(1) + m.group(2) + "=" + MASK)
                    : Matcher.quoteReplacement(m.group()));
  }

  /** True when {@code key} names a secret, e.g. {@code spark.hadoop.fs.s3a.secret.key}. */
  public static boolean isSecret(String key) {
    return SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).find();
  }
}
