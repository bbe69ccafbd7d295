package io.shardscore.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A text model's tokenizer as tasks use it: turns one row's text into its token ids (and attention
 * mask) as {@link TextInput} lays them out in a batch. One per loaded model, shared by the task
 * threads of a JVM (HuggingFace's tokenizer encodes from any thread); loaded from the model cache's
 * verified copy of {@code tokenizer.json}, so the vocabulary is the one in the model's digest.
 */
public final class TextEncoder implements AutoCloseable {
  /** Ids from here on are not exact as floats. */
  private static final long FIRST_INEXACT_ID = 1L << 24;

  private final HuggingFaceTokenizer tokenizer;
  private final TextInput input;

  private TextEncoder(HuggingFaceTokenizer tokenizer, TextInput input) {
    this.tokenizer = tokenizer;
    this.input = input;
  }

  /**
   * Loads the tokenizer of {@code input} from {@code file}.
   *
   * @param modelLocation the model as the user named it, for messages
   * @throws ModelLoadException when the file is missing or is not a HuggingFace tokenizer
   */
  static TextEncoder load(Path file, TextInput input, String modelLocation) {
    if (!Files.isRegularFile(file)) {
      throw new ModelLoadException(
          "Model "
              + modelLocation
              + " needs its tokenizer '"
              + input.tokenizerFile()
              + "' beside it, but there is none. Save the tokenizer with the model"
              + " (tokenizer.save(\"tokenizer.json\") in Python), then rerun.");
    }
    // Padding to the model's length, with the tokenizer's own special tokens; truncation as asked.
    // The length check for untruncated text is ours, so that a long row is named, not cut.
    // Stride and pad-to-multiple-of would come from the file otherwise: a stride not below the
    // length leaves texts uncut, a multiple pads rows past it.
    Map<String, String> options =
        Map.of(
            "stride",
            "0",
            "padToMultipleOf",
            "0",
            "addSpecialTokens",
            "true",
            "padding",
            "max_length",
            "maxLength",
            Integer.toString(input.maxLength()),
            // DJL otherwise caps maxLength at a model_max_length of 512, silently.
            "modelMaxLength",
            Integer.toString(input.maxLength()),
            "truncation",
            Boolean.toString(input.truncate()));
    HuggingFaceTokenizer tokenizer;
    try {
      tokenizer = HuggingFaceTokenizer.newInstance(file, options);
    } catch (IOException | RuntimeException e) {
      throw new ModelLoadException(
          "Cannot read the tokenizer '"
              + input.tokenizerFile()
              + "' of model "
              + modelLocation
              + ": "
              + LoadFailure.reason(e)
              + ". It must be a HuggingFace tokenizer.json (the file tokenizer.save() writes, or"
              + " the one in the model's HuggingFace folder).",
          e);
    }
    TextEncoder encoder = new TextEncoder(tokenizer, input);
    // The tokenizer cannot cut its own special tokens: a length below them would send every row
    // to _errors (truncation on or off), so it is refused here, before any row.
    int special = encoder.tokenIds("").length;
    if (special > input.maxLength()) {
      encoder.close();
      throw new ModelLoadException(
          "model.text.max-length is "
              + input.maxLength()
              + ", but the tokenizer '"
              + input.tokenizerFile()
              + "' of model "
              + modelLocation
              + " adds "
              + special
              + " special tokens to every text. Set model.text.max-length to the length the"
              + " model was trained with.");
    }
    return encoder;
  }

  /**
   * Writes the ids (then the mask) of {@code text} into {@code out} from {@code offset}, padded to
   * the model's length; returns null, or why the row cannot be scored.
   */
  public String encode(String text, float[] out, int offset) {
    Encoding encoding = tokenizer.encode(text);
    long[] ids = encoding.getIds();
    int length = input.maxLength();
    if (ids.length > length) {
      return "text has "
          + ids.length
          + " tokens, more than model.text.max-length "
          + length
          + " (set model.text.truncation: true to cut it)";
    }
    long[] mask = encoding.getAttentionMask();
    for (int i = 0; i < length; i++) {
      long id = i < ids.length ? ids[i] : 0;
      if (id < 0 || id >= FIRST_INEXACT_ID) {
        return "token id " + id + " is outside 0.." + (FIRST_INEXACT_ID - 1);
      }
      out[offset + i] = id;
    }
    if (input.attentionMask()) {
      for (int i = 0; i < length; i++) {
        out[offset + length + i] = i < mask.length ? mask[i] : 0;
      }
    }
    if (input.padLongest()) {
      int tokens = 0;
      while (tokens < mask.length && tokens < length && mask[tokens] == 1) {
        tokens++;
      }
      out[offset + input.width() - 1] = tokens;
    }
    return null;
  }

  /**
   * The same for the text of {@code column} (null for a null text): the reason names the column, as
   * the batch job and the server give it.
   */
  public String encode(String column, String text, float[] out, int offset) {
    if (text == null) {
      return "text '" + column + "' is null";
    }
    String reason = encode(text, out, offset);
    return reason == null ? null : "column '" + column + "': " + reason;
  }

  /** The ids of {@code text}, unpadded: for plans, tests and messages. */
  public long[] tokenIds(String text) {
    Encoding encoding = tokenizer.encode(text);
    long[] ids = encoding.getIds();
    long[] mask = encoding.getAttentionMask();
    int n = 0;
    while (n < mask.length && mask[n] == 1) {
      n++;
    }
    return java.util.Arrays.copyOf(ids, Math.min(n, ids.length));
  }

  public TextInput input() {
    return input;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
