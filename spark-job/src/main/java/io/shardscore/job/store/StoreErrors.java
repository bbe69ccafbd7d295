package io.shardscore.job.store;

import io.shardscore.job.error.Causes;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Turns a storage failure into a sentence that says what is wrong and how to fix it: a missing
 * bucket, refused credentials, an unreachable endpoint. Secrets are never part of the message: it
 * names the Hadoop keys to check, not their values.
 */
public final class StoreErrors {
  private StoreErrors() {}

  /** What went wrong reaching {@code path} (named by config key {@code key}), and the fix. */
  public static String explain(String key, Path path, Throwable error, Configuration conf) {
    String scheme = path.toUri().getScheme();
    if (scheme != null && scheme.startsWith("s3")) {
      String s3 = explainS3(key, path, error, conf);
      if (s3 != null) {
        return s3;
      }
    }
    return key
        + " "
        + path
        + " cannot be accessed: "
        + Causes.rootMessage(error)
        + ". Check access to it.";
  }

  /**
   * The storage problem behind {@code error} when it is one this class recognises (a missing
   * bucket, refused credentials, an unreachable or failing store), else empty.
   */
  public static java.util.Optional<String> problem(
      String key, Path path, Throwable error, Configuration conf) {
    String scheme = path.toUri().getScheme();
    if (scheme == null || !scheme.startsWith("s3")) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.ofNullable(explainS3(key, path, error, conf));
  }

  private static String explainS3(String key, Path path, Throwable error, Configuration conf) {
    String bucket = path.toUri().getHost();
    String endpoint = endpoint(conf, bucket);
    if (any(error, "NoSuchBucket") || any(error, "UnknownStoreException")) {
      return key
          + " "
          + path
          + ": bucket '"
          + bucket
          + "' does not exist at "
          + endpoint
          + ". Create the bucket, or fix the bucket name in "
          + key
          + ".";
    }
    if (any(error, "NoAuthWithAWSException")) {
      return key
          + " "
          + path
          + ": no S3 credentials were found for bucket '"
          + bucket
          + "'. Set fs.s3a.access.key and fs.s3a.secret.key (or fs.s3a.bucket."
          + bucket
          + ".*), the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or"
          + " fs.s3a.aws.credentials.provider.";
    }
    if (any(error, "Status Code: 403")
        || any(error, "AccessDeniedException")
        || any(error, "InvalidAccessKeyId")
        || any(error, "SignatureDoesNotMatch")) {
      return key
          + " "
          + path
          + ": the store at "
          + endpoint
          + " refused the credentials (HTTP 403). Check fs.s3a.access.key and fs.s3a.secret.key"
          + " (or fs.s3a.bucket."
          + bucket
          + ".*), or the provider chain in fs.s3a.aws.credentials.provider, and the bucket"
          + " policy.";
    }
    if (cause(error, ConnectException.class)
        || cause(error, NoRouteToHostException.class)
        || cause(error, UnknownHostException.class)
        || cause(error, SocketTimeoutException.class)
        || any(error, "Unable to execute HTTP request")) {
      return key
          + " "
          + path
          + ": cannot reach the S3 store at "
          + endpoint
          + " ("
          + Causes.rootMessage(error)
          + "). Check fs.s3a.endpoint (or fs.s3a.bucket."
          + bucket
          + ".endpoint) and that the store is up. How long S3A retries first is set by"
          + " fs.s3a.retry.limit, fs.s3a.attempts.maximum and fs.s3a.connection.establish.timeout.";
    }
    if (any(error, "Status Code: 503")
        || any(error, "Status Code: 500")
        || any(error, "AWSServiceThrottledException")
        || any(error, "AWSStatus500Exception")) {
      return key
          + " "
          + path
          + ": the store at "
          + endpoint
          + " kept failing requests (HTTP 5xx) after S3A's retries ("
          + Causes.rootMessage(error)
          + "). Check the store's health and load, then rerun; retries are set by"
          + " fs.s3a.retry.limit and fs.s3a.retry.throttle.limit.";
    }
    return null;
  }

  /** The endpoint a bucket resolves to, as configured (an endpoint is not a secret). */
  static String endpoint(Configuration conf, String bucket) {
    String perBucket = conf.getTrimmed("fs.s3a.bucket." + bucket + ".endpoint");
    if (perBucket != null && !perBucket.isEmpty()) {
      return perBucket;
    }
    String global = conf.getTrimmed("fs.s3a.endpoint");
    return global == null || global.isEmpty() ? "the default AWS endpoint" : "endpoint " + global;
  }

  /** Whether a throwable in the chain has {@code fragment} in its class name or its message. */
  private static boolean any(Throwable e, String fragment) {
    String f = fragment.toLowerCase(Locale.ROOT);
    for (Throwable t : Causes.chain(e)) {
      if (t.getClass().getName().toLowerCase(Locale.ROOT).contains(f)
          || (t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains(f))) {
        return true;
      }
    }
    return false;
  }

  private static boolean cause(Throwable e, Class<? extends Throwable> type) {
    return Causes.find(e, type).isPresent();
  }
}
