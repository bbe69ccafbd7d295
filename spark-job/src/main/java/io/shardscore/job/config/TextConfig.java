package io.shardscore.job.config;

import io.shardscore.model.TextInput;
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
 */
public record TextConfig(
    String column, String tokenizer, Integer maxLength, Boolean truncation, Boolean attentionMask)
    implements Serializable {
  public TextConfig {
    tokenizer = Settings.TEXT_TOKENIZER.orDefault(tokenizer);
    maxLength = Settings.TEXT_MAX_LENGTH.orDefault(maxLength);
    truncation = Settings.TEXT_TRUNCATION.orDefault(truncation);
    attentionMask = Settings.TEXT_ATTENTION_MASK.orDefault(attentionMask);
  }

  /** How the model takes the text, for its spec. */
  public TextInput input() {
    return new TextInput(tokenizer, maxLength, truncation, attentionMask);
  }
}
