package io.shardscore.model;

import java.io.Serializable;

/**
 * How a text model takes its input: one text per row, split into token ids by a HuggingFace
 * tokenizer ({@code tokenizer.json}) kept beside the model, padded to {@code maxLength} and fed as
 * an int64 {@code [batch, maxLength]} tensor of ids, then, with {@code attentionMask}, an int64
 * tensor of the same shape with 1 for every token and 0 for padding.
 *
 * <p>A batch carries a row's ids (and mask) as floats, like every other batch: exact for ids below
 * 2<sup>24</sup>, which {@link TextEncoder} checks. The tokenizer file is part of the model: its
 * bytes are in the model's digest, so a new vocabulary is a new model, and it is copied into the
 * model cache with the model.
 *
 * @param tokenizerFile the tokenizer's path relative to the model's folder
 * @param maxLength tokens per row the model takes, special tokens included
 * @param truncate true to cut longer texts to {@code maxLength} tokens; false to make such a row
 *     unscorable with its length in the reason
 * @param attentionMask true to feed the mask as a second input
 * @param padding {@link TextPadding#LONGEST} to feed each batch as {@code [batch, longest]}, its
 *     longest row's tokens; a row then also carries its token count, after its ids and mask
 */
public record TextInput(
    String tokenizerFile,
    int maxLength,
    boolean truncate,
    boolean attentionMask,
    TextPadding padding)
    implements Serializable {

  /** The tokens of one row must stay below the largest id a float carries exactly. */
  public static final int MAX_LENGTH = 8192;

  /** Padded to the maximum length. */
  public TextInput(String tokenizerFile, int maxLength, boolean truncate, boolean attentionMask) {
    this(tokenizerFile, maxLength, truncate, attentionMask, TextPadding.MAX_LENGTH);
  }

  public TextInput {
    padding = padding == null ? TextPadding.MAX_LENGTH : padding;
    if (tokenizerFile == null || tokenizerFile.isBlank()) {
      throw new ModelLoadException("A text model needs a tokenizer file beside the model.");
    }
    if (maxLength < 1 || maxLength > MAX_LENGTH) {
      throw new ModelLoadException(
          "A text model takes 1 to "
              + MAX_LENGTH
              + " tokens per row, not "
              + maxLength
              + "; set the maximum length the model was trained with.");
    }
  }

  /**
   * Floats one row takes in a batch: its ids, then its mask if the model takes one, then its token
   * count when each batch is padded to its longest row.
   */
  public int width() {
    return (attentionMask ? 2 * maxLength : maxLength) + (padLongest() ? 1 : 0);
  }

  /** True when each batch is cut to its longest row. */
  public boolean padLongest() {
    return padding == TextPadding.LONGEST;
  }
}
