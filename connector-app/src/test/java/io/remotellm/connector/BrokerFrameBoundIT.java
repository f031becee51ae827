package io.remotellm.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Request;
import io.remotellm.testsupport.FakeLlm;
import jakarta.websocket.CloseReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The connector's bound on a message from the broker (issue 17): a text message just over {@link
 * #BOUND} closes the link (1008 "frame too big": the JDK's client may not send 1009), says so in
 * the log and redials; one just under it is taken. The connector runs as its own process with the
 * launcher's heap ({@code -Xmx512m}): the bound must hold there, not only in a roomy test JVM. Each
 * big message is built once, in ASCII, so this JVM holds a few copies of 64 MiB at most.
 */
class BrokerFrameBoundIT {
  private static final String TOKEN = "ct-bound-TOKEN-abcdef";
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** {@code RelayClient.MAX_INCOMING_FRAME}: a request with a 64 MiB body, plus framing. */
  private static final int BOUND = 64 * 1024 * 1024 + 64 * 1024;

  @Test
  void aMessageJustOverTheBoundClosesTheLinkAsTooBigAndTheConnectorRedials() throws Exception {
    try (FakeLlm llm = FakeLlm.start();
        ScriptedBroker broker = new ScriptedBroker(TOKEN, 5).start()) {
      // Kept in target/ to read after a failure.
      Path log = Path.of("target", "broker-frame-bound-connector.log");
      Process connector = start(llm, broker, log);
      try {
        assertThat(broker.awaitHello(WAIT)).as("hello from the connector").isNotNull();

        // Just under: a valid (if useless) cancel, padded with the whitespace JSON allows.
        broker.sendText(padded(BOUND));
        relayed(broker, "under-1");
        assertThat(broker.connections()).as("the same link took it").isEqualTo(1);
        assertThat(broker.awaitClose(Duration.ofMillis(200))).isNull();

        // Just over: the link is closed as too big, and the connector dials again.
        broker.sendText(padded(BOUND + 1));
        CloseReason close = broker.awaitClose(WAIT);
        assertThat(close).as("the connector closed the link").isNotNull();
        // 1008 with the reason: the JDK's client may not send 1009 (BrokerLink.TOO_BIG).
        assertThat(close.getCloseCode().getCode()).isEqualTo(1008);
        assertThat(close.getReasonPhrase()).isEqualTo("frame too big");
        assertThat(broker.awaitHello(WAIT)).as("hello on a new link").isNotNull();
        assertThat(broker.connections()).isEqualTo(2);
        relayed(broker, "after-1");
      } finally {
        connector.destroy();
        connector.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        connector.destroyForcibly();
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(Files.readString(log, StandardCharsets.UTF_8))
                      .contains(
                          "lost the broker: a frame from the broker over " + BOUND + " bytes"));
    }
  }

  private static Process start(FakeLlm llm, ScriptedBroker broker, Path log) throws Exception {
    return ConnectorJar.start(
        List.of("-Xmx512m", "-XX:+UseSerialGC"),
        Map.of(),
        log,
        "--broker-url",
        broker.urlWithoutPath(),
        "--broker-token",
        TOKEN,
        "--llm-url",
        llm.baseUrl().toString(),
        "--model",
        "fake-model",
        "--health-port",
        "0");
  }

  /** A cancel frame for no request, padded with trailing spaces to exactly {@code length}. */
  private static String padded(int length) {
    String frame;
    try (FrameCodec codec = new FrameCodec()) {
      frame = codec.encode(new Cancel("no-such-request", "padding"));
    }
    return frame + " ".repeat(length - frame.length());
  }

  /** A small request on the link that is up now, answered in full. */
  private static void relayed(ScriptedBroker broker, String id) throws Exception {
    broker.send(
        new Request(
            id,
            "POST",
            "/v1/chat/completions",
            Map.of("x-request-id", "xr-" + id),
            "{\"model\":\"fake-model\",\"stream\":false}",
            false));
    List<Frame> answer = broker.awaitAnswer(id, WAIT);
    assertThat(answer.get(answer.size() - 1)).as("request %s relayed", id).isInstanceOf(End.class);
  }
}
