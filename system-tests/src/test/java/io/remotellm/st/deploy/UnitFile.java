package io.remotellm.st.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A systemd unit file read into sections of settings, each setting with all the values it was given
 * (systemd lets a key repeat), so a test can ask what the service manager will be told.
 */
record UnitFile(Map<String, Map<String, List<String>>> sections) {

  static UnitFile read(Path file) {
    Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
    Map<String, List<String>> current = null;
    try {
      for (String raw : Files.readAllLines(file)) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
          continue;
        }
        if (line.startsWith("[") && line.endsWith("]")) {
          current =
              sections.computeIfAbsent(
                  line.substring(1, line.length() - 1), s -> new LinkedHashMap<>());
          continue;
        }
        int eq = line.indexOf('=');
        if (current == null || eq < 0) {
          throw new AssertionError(file + ": not a unit file line: " + raw);
        }
        current
            .computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
            .add(line.substring(eq + 1).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new UnitFile(sections);
  }

  /** The last value of a setting (the one systemd uses for single-valued settings), or null. */
  String get(String section, String key) {
    List<String> values = all(section, key);
    return values.isEmpty() ? null : values.get(values.size() - 1);
  }

  List<String> all(String section, String key) {
    return sections.getOrDefault(section, Map.of()).getOrDefault(key, List.of());
  }

  /** Every whitespace-separated word of every value of a list setting (After=, ReadWritePaths=). */
  List<String> words(String section, String key) {
    List<String> words = new ArrayList<>();
    for (String value : all(section, key)) {
      for (String word : value.split("\\s+")) {
        if (!word.isEmpty()) {
          words.add(word);
        }
      }
    }
    return words;
  }
}
