package io.remotellm.st.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until a deadline: for things a test cannot be told about, such as a port opening. */
public final class Wait {
  private Wait() {}

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // Not there yet (connection refused and the like): poll again until the deadline.
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  public static <T> T forValue(String what, Duration timeout, Supplier<T> probe) {
    Object[] holder = new Object[1];
    until(
        what,
        timeout,
        () -> {
          holder[0] = probe.get();
          return holder[0] != null;
        });
    @SuppressWarnings("unchecked")
    T value = (T) holder[0];
    return value;
  }
}
