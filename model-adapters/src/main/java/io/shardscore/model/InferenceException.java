package io.shardscore.model;

/**
 * A loaded model that failed while scoring a batch: the engine rejected it, returned the wrong
 * number of rows, or ran out of memory even on one row. Distinct from {@link ModelLoadException}
 * (the model could not be read or loaded): the same model may score other batches.
 */
public final class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InferenceException(String message) {
    super(message);
  }

  public InferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
