package io.remotellm.connector.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerRotationTest {
  private static final URI A = URI.create("ws://a/ws");
  private static final URI B = URI.create("ws://b/ws");
  private static final URI C = URI.create("ws://c/ws");

  @Test
  void staysWithTheCurrentBrokerUntilToldToMove() {
    BrokerRotation rotation = new BrokerRotation(List.of(A, B, C));
    assertThat(rotation.current()).isEqualTo(A);
    assertThat(rotation.current()).isEqualTo(A);
    assertThat(rotation.several()).isTrue();
  }

  @Test
  void movesRoundRobinAndWrapsAfterTheLast() {
    BrokerRotation rotation = new BrokerRotation(List.of(A, B, C));
    assertThat(rotation.advance()).isEqualTo(B);
    assertThat(rotation.current()).isEqualTo(B);
    assertThat(rotation.advance()).isEqualTo(C);
    assertThat(rotation.advance()).isEqualTo(A);
    assertThat(rotation.advance()).isEqualTo(B);
  }

  @Test
  void oneBrokerIsAlwaysThatBroker() {
    BrokerRotation rotation = new BrokerRotation(List.of(A));
    assertThat(rotation.several()).isFalse();
    assertThat(rotation.advance()).isEqualTo(A);
    assertThat(rotation.current()).isEqualTo(A);
  }

  @Test
  void noBrokerIsRefused() {
    assertThatThrownBy(() -> new BrokerRotation(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void knowsWhetherAnyBrokerIsDialledOverTls() {
    assertThat(new BrokerRotation(List.of(A, B)).anySecure()).isFalse();
    assertThat(new BrokerRotation(List.of(A, URI.create("WSS://b/ws"))).anySecure()).isTrue();
  }
}
