package io.remotellm.st.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits on a condition that no event announces, such as a port opening, through Awaitility: polled
 * every 100 ms, exceptions (connection refused and the like) count as "not yet".
 */
public final class Wait {
  private Wait() {}

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    await(what)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(condition::getAsBoolean);
  }

  public static <T> T forValue(String what, Duration timeout, Supplier<T> probe) {
    return await(what)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(probe::get, Objects::nonNull);
  }
}
