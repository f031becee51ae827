package io.remotellm.broker.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The seed's list settings (tokens, keys) are comma-separated; blanks are dropped. */
public final class CommaList {
  private CommaList() {}

  public static List<String> parse(Optional<String> value) {
    return value.map(CommaList::parse).orElse(List.of());
  }

  public static List<String> parse(String value) {
    if (value == null) {
      return List.of();
    }
    return Arrays.stream(value.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .distinct()
        .toList();
  }
}
