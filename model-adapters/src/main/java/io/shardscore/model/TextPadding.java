package io.shardscore.model;

/**
 * How a text model's batch is padded: every row to the model's maximum length, or each batch to its
 * longest row (fewer tokens for the model to compute on when texts are short; the model must take
 * any length).
 */
public enum TextPadding {
  MAX_LENGTH,
  LONGEST
}
