package io.shardscore.model;

/**
 * The model expects another number of features per row than its spec feeds it: raised when the
 * model loads, so a caller can name the setting that lists the features.
 */
public final class FeatureCountException extends ModelLoadException {
  private static final long serialVersionUID = 1L;

  private final long expected;
  private final int given;

  FeatureCountException(String message, long expected, int given) {
    super(message);
    this.expected = expected;
    this.given = given;
  }

  /** Features per row the model was trained on. */
  public long expected() {
    return expected;
  }

  /** Features per row the spec feeds it. */
  public int given() {
    return given;
  }
}
