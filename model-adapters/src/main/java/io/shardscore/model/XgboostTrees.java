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
  /** The objects on the way from the document to its trees and its num_feature. */
  static final java.util.Set<String> PATH =
      java.util.Set.of("learner", "gradient_booster", "gbtree", "model", "learner_model_param");

  private int trees;
  private long maxFeature = -1;
  private int maxFeatureTree;
  private String features;
  private String problem;

  /**
   * Checks the next tree of the model (trees are read one at a time, so a large model is never held
   * in memory as a whole). Split features are checked against num_feature in {@link #problem()}, as
   * the document may name it after the trees.
   */
  void tree(JsonElement tree) {
    if (problem != null) {
      return;
    }
    long[] maxSplit = {-1};
    String p = treeProblem(object(tree), maxSplit);
    if (p != null) {
      problem = "tree " + trees + " " + p + " (an edited or corrupted file?)";
    } else if (maxSplit[0] > maxFeature) {
      maxFeature = maxSplit[0];
      maxFeatureTree = trees;
    }
    trees++;
  }

  /** The learner's {@code num_feature}. */
  void numFeature(String text) {
    features = text;
  }

  /** Why the trees seen are not trees over the model's features, or null. */
  String problem() {
    if (problem != null || trees == 0) {
      return problem; // no trees found: a layout this check does not know, XGBoost judges it
    }
    long count;
    try {
      count = Long.parseLong(String.valueOf(features).trim());
    } catch (NumberFormatException e) {
      return "its learner_model_param has no valid num_feature";
    }
    if (maxFeature >= count) {
      return "tree "
          + maxFeatureTree
          + " splits on feature "
          + maxFeature
          + ", but the model has "
          + count
          + " features (an edited or corrupted file?)";
    }
    return null;
  }

  private static String treeProblem(JsonObject tree, long[] maxSplit) {
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
      if (split[node] < 0) {
        return "splits node " + node + " on feature " + split[node];
      }
      maxSplit[0] = Math.max(maxSplit[0], split[node]);
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
