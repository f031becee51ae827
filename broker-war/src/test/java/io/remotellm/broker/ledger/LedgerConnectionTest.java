package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The start of the broker waits for the first try to open the database (so what the admin stored is
 * in force before the first request); that wait must end on a failed try as well as on a good one,
 * and not before the try.
 */
class LedgerConnectionTest {

  @Test
  void theFirstTryEndsTheWaitEvenWhenTheDatabaseIsAway() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    LedgerConnection connection =
        new LedgerConnection(
            () -> {
              tries.incrementAndGet();
              throw new IllegalStateException("database away");
            },
            store -> {},
            Duration.ofSeconds(5));
    assertThat(connection.awaitFirstTry(Duration.ofMillis(50))).as("before any try").isFalse();

    Thread writer = new Thread(connection::idle);
    writer.setUncaughtExceptionHandler((t, e) -> {});
    writer.start();
    assertThat(connection.awaitFirstTry(Duration.ofSeconds(10))).isTrue();
    writer.join();
    assertThat(tries).hasValue(1);
    assertThat(connection.store()).isNull();
  }

  @Test
  void aTryThatOpensEndsTheWaitWithTheStoreInPlace() throws Exception {
    LedgerStore h2 =
        LedgerStore.open(
            "jdbc:h2:mem:connection-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", null);
    try {
      LedgerConnection connection = new LedgerConnection(() -> h2, store -> {}, Duration.ZERO);
      connection.idle();
      assertThat(connection.awaitFirstTry(Duration.ZERO)).isTrue();
      assertThat(connection.store()).isSameAs(h2);
    } finally {
      h2.close();
    }
  }

  @Test
  void laterFailuresDoNotBlockAnyone() throws Exception {
    LedgerConnection connection =
        new LedgerConnection(
            () -> {
              throw new IllegalStateException("database away");
            },
            store -> {},
            Duration.ZERO);
    assertThatThrownBy(connection::idle).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(connection::idle).isInstanceOf(IllegalStateException.class);
    assertThat(connection.awaitFirstTry(Duration.ZERO)).isTrue();
  }
}
