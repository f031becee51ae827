package io.remotellm.broker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ModelsChanged;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectorClaimsTest {

  @Test
  void claimsWithinTheBoundsPass() {
    List<String> most = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      most.add("model-" + i);
    }
    most.set(0, "m".repeat(256));
    assertThat(ConnectorClaims.refusal(new Hello(2, "c".repeat(256), most, 4))).isNull();
    assertThat(ConnectorClaims.refusal(new ModelsChanged(most))).isNull();
    assertThat(ConnectorClaims.refusal(new Cancel("r-1", "client gone"))).isNull();
    assertThat(
            ConnectorClaims.refusal(
                new Hello(2, "c", most, 4, Collections.nCopies(16, "a".repeat(32)))))
        .isNull();
  }

  @Test
  void eachBoundRefusesWithAReasonThatFitsACloseFrame() {
    List<String> many = Collections.nCopies(1025, "m");
    List<String> refusals =
        List.of(
            ConnectorClaims.refusal(new Hello(2, "c", many, 4)),
            ConnectorClaims.refusal(new ModelsChanged(many)),
            ConnectorClaims.refusal(new Hello(2, "c", List.of("ok", "m".repeat(257)), 4)),
            ConnectorClaims.refusal(new ModelsChanged(List.of("m".repeat(1 << 20)))),
            ConnectorClaims.refusal(new Hello(2, "c".repeat(257), List.of("ok"), 4)),
            ConnectorClaims.refusal(
                new Hello(2, "c", List.of("ok"), 4, Collections.nCopies(17, "openai"))),
            ConnectorClaims.refusal(new Hello(2, "c", List.of("ok"), 4, List.of("a".repeat(33)))));
    assertThat(refusals).doesNotContainNull();
    // A WebSocket close reason holds at most 123 bytes of UTF-8.
    assertThat(refusals)
        .allSatisfy(r -> assertThat(r.getBytes(StandardCharsets.UTF_8).length).isLessThan(124));
    assertThat(refusals.get(0)).isEqualTo("too many models: 1025 (at most 1024)");
  }
}
