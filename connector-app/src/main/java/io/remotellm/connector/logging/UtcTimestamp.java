package io.remotellm.connector.logging;

import java.time.Instant;

/**
 * A log line's time as {@link Instant#toString} writes it ({@code 2026-12-07T19:00:05.123Z}),
 * without going through {@code DateTimeFormatter} for every line: that was half of the JSON
 * formatter's cost, and the connector logs a line per request (docs/benchmarks.md, issue 17). The
 * text up to the second is kept from the last call, so only the milliseconds are written each time.
 */
final class UtcTimestamp {
  private record Second(long epochSecond, String text) {}

  private static volatile Second last = new Second(Long.MIN_VALUE, "");

  private UtcTimestamp() {}

  static String of(long epochMillis) {
    long epochSecond = Math.floorDiv(epochMillis, 1000L);
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    Second second = last;
    if (second.epochSecond() != epochSecond) {
      String whole = Instant.ofEpochSecond(epochSecond).toString(); // ends in "Z"
      second = new Second(epochSecond, whole.substring(0, whole.length() - 1));
      last = second;
    }
    if (millis == 0) {
      return second.text() + "Z"; // Instant writes no fraction then
    }
    return new StringBuilder(second.text().length() + 5)
        .append(second.text())
        .append('.')
        .append((char) ('0' + millis / 100))
        .append((char) ('0' + millis / 10 % 10))
        .append((char) ('0' + millis % 10))
        .append('Z')
        .toString();
  }
}
