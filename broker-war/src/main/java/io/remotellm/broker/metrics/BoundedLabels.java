package io.remotellm.broker.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Label values from an open set (model names) kept to a bounded number: the first {@code max}
 * distinct values are used as they are, every later one becomes {@code other}. A label that grows
 * without bound would grow the broker's memory and every scrape with it.
 */
final class BoundedLabels {

  static final String OTHER = "other";

  private final int max;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  BoundedLabels(int max) {
    this.max = max;
  }

  String label(String value) {
    if (value == null || value.isEmpty()) {
      return OTHER;
    }
    if (seen.contains(value)) {
      return value;
    }
    // Racing threads may pass max by a few; the bound still holds within the thread count.
    if (seen.size() >= max) {
      return OTHER;
    }
    seen.add(value);
    return value;
  }
}
