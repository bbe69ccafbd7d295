package io.shardscore.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * Checks the trees of an XGBoost model (its JSON document, or its UBJ read as one) before xgboost4j
 * reads them: xgboost4j 3.0.4 does not check a tree's node arrays, and on edited models crashed the
 * JVM (a child or feature index past the end) or never returned (a child pointing back at the
 * root). Each tree's nodes must be reached from its root exactly once, and each split must be on a
 * feature below {@code num_feature}.
 */
final class XgboostTrees {
  private XgboostTrees() {}

  /** Why the trees of {@code model} are not trees over its features, or null. */
  static String problem(JsonElement model) {
    JsonObject learner = object(object(model), "learner");
    JsonObject booster = object(learner, "gradient_booster");
    JsonObject params = object(learner, "learner_model_param");
    if (booster == null || params == null) {
      return null; // not a layout this check knows: XGBoost judges it
    }
    // gbtree keeps its trees in model; dart wraps a gbtree.
    JsonObject trees = object(booster, "model");
    if (trees == null) {
      trees = object(object(booster, "gbtree"), "model");
    }
    if (trees == null || !(trees.get("trees") instanceof JsonArray list)) {
      return null;
    }
    long features;
    try {
      features = Long.parseLong(params.get("num_feature").getAsString());
    } catch (RuntimeException e) {
      return "its learner_model_param has no valid num_feature";
    }
    for (int t = 0; t < list.size(); t++) {
      String problem = treeProblem(object(list.get(t)), features);
      if (problem != null) {
        return "tree " + t + " " + problem + " (an edited or corrupted file?)";
      }
    }
    return null;
  }

  private static String treeProblem(JsonObject tree, long features) {
    long[] left = longs(tree, "left_children");
    long[] right = longs(tree, "right_children");
    long[] split = longs(tree, "split_indices");
    if (left == null || right == null || split == null) {
      return "does not list left_children, right_children and split_indices";
    }
    int n = left.length;
    if (n == 0 || right.length != n || split.length != n) {
      return "lists "
          + n
          + " left, "
          + right.length
          + " right children and "
          + split.length
          + " split indices";
    }
    boolean[] seen = new boolean[n];
    java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>();
    todo.push(0);
    seen[0] = true;
    while (!todo.isEmpty()) {
      int node = todo.pop();
      if (left[node] == -1 && right[node] == -1) {
        continue; // a leaf
      }
      if (split[node] < 0 || split[node] >= features) {
        return "splits node "
            + node
            + " on feature "
            + split[node]
            + ", but the model has "
            + features
            + " features";
      }
      for (long child : new long[] {left[node], right[node]}) {
        if (child <= 0 || child >= n || seen[(int) child]) {
          return "has node "
              + node
              + " pointing to child "
              + child
              + ", which is out of range or reached twice";
        }
        seen[(int) child] = true;
        todo.push((int) child);
      }
    }
    // Deleted nodes (num_deleted) stay in the arrays, unreached: prediction never visits them.
    return null;
  }

  private static JsonObject object(JsonElement e) {
    return e instanceof JsonObject o ? o : null;
  }

  private static JsonObject object(JsonObject parent, String key) {
    return parent == null ? null : object(parent.get(key));
  }

  private static long[] longs(JsonObject tree, String key) {
    if (tree == null || !(tree.get(key) instanceof JsonArray a)) {
      return null;
    }
    long[] out = new long[a.size()];
    try {
      for (int i = 0; i < out.length; i++) {
        out[i] = a.get(i).getAsLong();
      }
    } catch (RuntimeException e) {
      return null;
    }
    return out;
  }
}
