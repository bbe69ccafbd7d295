package io.shardscore.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why an engine refused a model file, in the engine's own words, with the fix that reason points
 * to: a model written by a newer ONNX (an IR version or opset above what this build's runtime
 * reads) is re-exported for it; anything else (a truncated or foreign file) is checked to be a
 * complete ONNX model.
 */
final class LoadFailure {
  private static final Pattern ORT_PREFIX = Pattern.compile("^Error code - \\w+ - message: ");
  private static final Pattern LOAD_FAILED = Pattern.compile("^Load model from .*? failed:");
  private static final Pattern SOURCE_LINE = Pattern.compile("^\\S+:\\d+ ");
  private static final Pattern XGBOOST_PREFIX =
      Pattern.compile("^\\[\\d\\d:\\d\\d:\\d\\d\\] \\S+:\\d+: ");
  private static final Pattern TORCHSCRIPT_ERROR =
      Pattern.compile("(?m)^\\w*(?:Error|Exception): (.+)$");
  private static final Pattern IR_VERSION =
      Pattern.compile("Unsupported model IR version: (\\d+), max supported IR version: (\\d+)");
  private static final Pattern OPSET =
      Pattern.compile("Current official support for domain (\\S+) is till opset (\\d+)");

  private LoadFailure() {}

  /** The error for {@code spec}, whose file the engine refused with {@code error}. */
  static ModelLoadException explain(ModelSpec spec, Throwable error) {
    String reason = reason(error);
    String start =
        "Cannot load model " + spec.location() + " with " + spec.engine().djlName() + ": " + reason;
    Matcher ir = IR_VERSION.matcher(reason);
    Matcher opset = OPSET.matcher(reason);
    String newer =
        ". This build has "
            + spec.engine().runtime()
            + ", older than the ONNX that wrote the model. Re-export the model with ";
    if (ir.find()) {
      String max = ir.group(2);
      return new ModelLoadException(
          start
              + newer
              + "IR version "
              + max
              + " or lower: m = onnx.load(path); m.ir_version = "
              + max
              + "; onnx.save(m, path) with the onnx package (or onnx.helper.make_model(graph,"
              + " ir_version="
              + max
              + ", ...)), or export it again with an exporter as old as this runtime (e.g."
              + " torch.onnx.export(..., opset_version=N) from an older torch).",
          error);
    }
    if (opset.find()) {
      String max = opset.group(2);
      return new ModelLoadException(
          start
              + newer
              + "opset "
              + max
              + " or lower for domain "
              + opset.group(1)
              + ": torch.onnx.export(..., opset_version="
              + max
              + "), or m = onnx.version_converter.convert_version(onnx.load(path), "
              + max
              + ").",
          error);
    }
    if (spec.engine() == ModelEngine.PYTORCH) {
      return new ModelLoadException(
          start
              + ". Check that the file is a complete TorchScript archive (this build has "
              + spec.engine().runtime()
              + "): torch.jit.save(torch.jit.trace(model, example_input), 'model.pt'), or"
              + " torch.jit.script; weights saved with torch.save(model.state_dict()) are not"
              + " TorchScript.",
          error);
    }
    if (spec.engine() == ModelEngine.XGBOOST) {
      return new ModelLoadException(
          start
              + ". Check that the file is a complete XGBoost model (this build has "
              + spec.engine().runtime()
              + ") saved in JSON or UBJ format and named for its format:"
              + " booster.save_model('model.json') or booster.save_model('model.ubj').",
          error);
    }
    return new ModelLoadException(start + ". Check that the file is a complete ONNX model.", error);
  }

  /**
   * The innermost message of the chain, without the runtime's decorations: its error-code prefix,
   * the path of the cached copy it loaded (the caller names the model as the user did), and the C++
   * source line and function that raised it.
   */
  static String reason(Throwable error) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = error; t != null && !chain.contains(t) && chain.size() < 64; ) {
      chain.add(t);
      t = t.getCause();
    }
    String text = null;
    for (int i = chain.size() - 1; i >= 0 && text == null; i--) {
      String m = chain.get(i).getMessage();
      text = m == null || m.isBlank() ? null : m.strip();
    }
    if (text == null) {
      return chain.get(chain.size() - 1).toString();
    }
    text = ORT_PREFIX.matcher(text).replaceFirst("");
    if (text.contains("Traceback of TorchScript")) {
      // TorchScript: "The following operation failed ...\nTraceback ...\nRuntimeError: reason"
      Matcher raised = TORCHSCRIPT_ERROR.matcher(text);
      String last = null;
      while (raised.find()) {
        last = raised.group(1).strip();
      }
      if (last != null) {
        return last.replaceAll("[.:\\s]+$", "");
      }
    }
    int trace = text.indexOf("Stack trace:");
    if (trace >= 0) {
      // XGBoost: "[hh:mm:ss] json.cc:397: reason, around ...\n    context\n    ^~~\nStack trace:
      // ..."
      text = XGBOOST_PREFIX.matcher(text.substring(0, trace)).replaceFirst("");
      text = text.replaceAll("\\s+", " ").strip();
    }
    Matcher failed = LOAD_FAILED.matcher(text);
    if (failed.find()) {
      text = withoutSourceLine(text.substring(failed.end()).strip());
    }
    return text.replaceAll("[.:\\s]+$", "");
  }

  /** {@code model.cc:180 onnxruntime::Model::Model(args...) reason} as {@code reason}. */
  private static String withoutSourceLine(String text) {
    Matcher source = SOURCE_LINE.matcher(text);
    if (!source.find()) {
      return text;
    }
    int open = text.indexOf('(', source.end());
    if (open < 0) {
      return text;
    }
    int depth = 0;
    for (int i = open; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        String rest = text.substring(i + 1).strip();
        return rest.isEmpty() ? text : rest;
      }
    }
    return text;
  }
}
