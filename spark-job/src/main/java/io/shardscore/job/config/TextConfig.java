package io.shardscore.job.config;

import io.shardscore.model.TextInput;
import io.shardscore.model.TextPadding;
import java.io.Serializable;

/**
 * {@code model.text:} a text model's input, one string column tokenized by the HuggingFace
 * tokenizer beside the model. Defaults and limits are declared in {@link Settings}.
 *
 * @param column the string column of each row's text
 * @param tokenizer the {@code tokenizer.json}, relative to the model's folder
 * @param maxLength tokens per row, special tokens included
 * @param truncation cut longer texts (true) or send their rows to {@code _errors}
 * @param attentionMask feed the mask as the model's second input
 * @param padding {@code max-length} (every row padded to {@code maxLength}) or {@code longest}
 *     (each batch to its longest row)
 */
public record TextConfig(
    String column,
    String tokenizer,
    Integer maxLength,
    Boolean truncation,
    Boolean attentionMask,
    String padding)
    implements Serializable {
  public TextConfig {
    tokenizer = Settings.TEXT_TOKENIZER.orDefault(tokenizer);
    maxLength = Settings.TEXT_MAX_LENGTH.orDefault(maxLength);
    truncation = Settings.TEXT_TRUNCATION.orDefault(truncation);
    attentionMask = Settings.TEXT_ATTENTION_MASK.orDefault(attentionMask);
    padding = Settings.TEXT_PADDING.orDefault(padding);
  }

  /** Text read from {@code column}, with the default tokenizer, length, truncation and no mask. */
  public static TextConfig column(String column) {
    return new TextConfig(column, null, null, null, null, null);
  }

  public TextConfig tokenizer(String file) {
    return new TextConfig(column, file, maxLength, truncation, attentionMask, padding);
  }

  public TextConfig maxLength(int tokens) {
    return new TextConfig(column, tokenizer, tokens, truncation, attentionMask, padding);
  }

  public TextConfig truncation(boolean cut) {
    return new TextConfig(column, tokenizer, maxLength, cut, attentionMask, padding);
  }

  public TextConfig attentionMask(boolean feed) {
    return new TextConfig(column, tokenizer, maxLength, truncation, feed, padding);
  }

  /** {@code max-length} or {@code longest}: see {@link TextPadding}. */
  public TextConfig padding(String how) {
    return new TextConfig(column, tokenizer, maxLength, truncation, attentionMask, how);
  }

  /** How each batch is padded; throws a {@link JobConfigException} for another value. */
  public TextPadding textPadding() {
    return Choices.parse(Settings.TEXT_PADDING, padding, TextPadding.class);
  }

  /** How the model takes the text, for its spec. */
  public TextInput input() {
    return new TextInput(tokenizer, maxLength, truncation, attentionMask, textPadding());
  }
}
