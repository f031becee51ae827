package io.remotellm.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UtcTimestampTest {

  @Test
  void writesWhatInstantWritesForRandomAndEdgeTimes() {
    Random random = new Random(3);
    long now = System.currentTimeMillis();
    long[] edges = {
      0, 1, 999, 1000, 1001, -1, -1000, -999, now, 253402300799999L, 253402300800000L
    };
    for (long millis : edges) {
      assertThat(UtcTimestamp.of(millis)).isEqualTo(Instant.ofEpochMilli(millis).toString());
    }
    for (int i = 0; i < 200_000; i++) {
      // Runs of nearby times (the cached second) and jumps anywhere in 1900-2200.
      long millis =
          i % 100 == 0
              ? -2_208_988_800_000L + (long) (random.nextDouble() * 9_467_280_000_000L)
              : now + random.nextInt(5_000);
      if (i % 7 == 0) {
        millis -= millis % 1000; // whole seconds: no fraction
      }
      assertThat(UtcTimestamp.of(millis)).isEqualTo(Instant.ofEpochMilli(millis).toString());
    }
  }
}
