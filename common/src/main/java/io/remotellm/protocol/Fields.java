package io.remotellm.protocol;

import java.util.List;
import java.util.Map;

/** Checks shared by the frame records' constructors, so a decoded frame is always complete. */
final class Fields {
  private Fields() {}

  static String required(String value, String name) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("missing field '" + name + "'");
    }
    return value;
  }

  static int status(int status) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("field 'status' must be an HTTP status, got " + status);
    }
    return status;
  }

  static List<String> models(List<String> models) {
    if (models == null) {
      return List.of();
    }
    for (String m : models) {
      if (m == null || m.isBlank()) {
        throw new IllegalArgumentException("field 'models' holds an empty model name");
      }
    }
    return List.copyOf(models);
  }

  static List<String> names(List<String> names, String field) {
    for (String n : names) {
      if (n == null) {
        throw new IllegalArgumentException("field '" + field + "' holds a null");
      }
    }
    return List.copyOf(names);
  }

  static Map<String, String> headers(Map<String, String> headers) {
    if (headers == null) {
      return Map.of();
    }
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException("field 'headers' holds a null name or value");
      }
    }
    return Map.copyOf(headers);
  }
}
