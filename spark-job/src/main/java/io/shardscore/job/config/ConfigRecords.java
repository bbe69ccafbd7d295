package io.shardscore.job.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Reads and replaces one value deep in the config records by its path of record components ({@code
 * [scoring, batchSize]}), the way Jackson binds the same kebab-case keys. A missing section on the
 * way is created empty, so its record's defaults apply.
 */
final class ConfigRecords {
  private ConfigRecords() {}

  /**
   * The component path of a key: {@code model.outputs.score-index} is {@code [model, outputs,
   * scoreIndex]}.
   */
  static List<String> path(String key) {
    return java.util.Arrays.stream(key.split("\\.")).map(ConfigRecords::camel).toList();
  }

  /** The declared type at {@code path} under {@code type}; fails when there is none. */
  static Class<?> typeAt(Class<?> type, List<String> path) {
    Class<?> t = type;
    for (String name : path) {
      t = component(t, name).getType();
    }
    return t;
  }

  /** The value at {@code path}, or null when it or a section on the way is absent. */
  static Object get(Object root, List<String> path) {
    Object o = root;
    for (String name : path) {
      if (o == null) {
        return null;
      }
      o = read(component(o.getClass(), name), o);
    }
    return o;
  }

  /** True when every section above the value exists (the value itself may be null). */
  static boolean present(Object root, List<String> path) {
    return path.size() == 1 || get(root, path.subList(0, path.size() - 1)) != null;
  }

  /** A copy of {@code root} (of {@code type}; created empty when null) with the value replaced. */
  static Object with(Object root, Class<?> type, List<String> path, Object value) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] args = new Object[components.length];
    int target = -1;
    for (int i = 0; i < components.length; i++) {
      args[i] = root == null ? null : read(components[i], root);
      if (components[i].getName().equals(path.get(0))) {
        target = i;
      }
    }
    if (target < 0) {
      throw new IllegalStateException(type.getSimpleName() + " has no component " + path.get(0));
    }
    args[target] =
        path.size() == 1
            ? value
            : with(args[target], components[target].getType(), path.subList(1, path.size()), value);
    try {
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
      }
      Constructor<?> canonical = type.getDeclaredConstructor(types);
      return canonical.newInstance(args);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot copy " + type.getSimpleName(), e);
    }
  }

  private static RecordComponent component(Class<?> type, String name) {
    if (type.isRecord()) {
      for (RecordComponent c : type.getRecordComponents()) {
        if (c.getName().equals(name)) {
          return c;
        }
      }
    }
    throw new IllegalStateException(type.getSimpleName() + " has no component '" + name + "'");
  }

  private static Object read(RecordComponent c, Object record) {
    try {
      return c.getAccessor().invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot read " + c.getName(), e);
    }
  }

  private static String camel(String kebab) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char ch : kebab.toCharArray()) {
      if (ch == '-') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(ch) : ch);
        up = false;
      }
    }
    return sb.toString();
  }
}
