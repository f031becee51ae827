package io.remotellm.broker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.protocol.LlmApi;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call naming a stored response that this broker's connectors do not hold, while the other
 * brokers are asked where it is (issue 15): the request thread returns at once, and the answer (or
 * the refusal, in the API's shape) comes when the lookup does.
 */
class StoredResponseForwardingTest {

  /** The other brokers, answering the lookup when the test says. */
  private static final class LaterBrokers implements RemoteBrokers {
    final CompletableFuture<Boolean> lookup = new CompletableFuture<>();
    final AtomicInteger asked = new AtomicInteger();

    @Override
    public Set<String> models() {
      return Set.of();
    }

    @Override
    public boolean forward(RelayRequest request, ResponseSink sink, AccessLog access) {
      throw new AssertionError("a stored-response call is not routed by model");
    }

    @Override
    public CompletionStage<Boolean> forwardStored(
        RelayRequest request, ResponseSink sink, AccessLog access) {
      asked.incrementAndGet();
      return lookup;
    }
  }

  private final LaterBrokers brokers = new LaterBrokers();
  private final RelayTest.RecordingSink sink = new RelayTest.RecordingSink();
  private final AccessLog access = new AccessLog("r1", "GET", System.nanoTime());
  private RequestRoutes routes;

  @BeforeEach
  void setUp() {
    routes = new RequestRoutes();
    routes.router = new ConnectorLinkRouter();
    routes.responseIds = new ResponseIds();
    access.handToRelay(); // as the resource does before it starts the relay
  }

  private static RelayRequest get(String id) {
    return new RelayRequest(
        "r1",
        "/v1/responses/" + id,
        null,
        false,
        "",
        "GET",
        LlmApi.RESPONSES,
        Map.of(),
        id,
        "carol");
  }

  private boolean forward(RemoteBrokers remote) {
    return StoredResponseForwarding.forward(remote, routes, get("resp_1"), sink, access);
  }

  @Test
  void theCallerReturnsBeforeTheGridAnswersAndTheHomeBrokerAnswersLater() {
    assertThat(forward(brokers)).isTrue();
    assertThat(brokers.asked).hasValue(1);
    assertThat(sink.events).isEmpty();
    brokers.lookup.complete(true); // on its way to the broker that holds it
    assertThat(sink.events).isEmpty();
    assertThat(access.relayOwns()).isTrue();
  }

  @Test
  void noBrokerHoldingItIsTheSame404AsOnOneBrokerOnceTheGridAnswers() {
    forward(brokers);
    brokers.lookup.complete(false);
    assertThat(sink.events).containsExactly("fail 404");
    assertThat(sink.error.code()).isEqualTo("not_found");
    assertThat(sink.error.message()).contains("resp_1");
    assertThat(sink.errorAfterHead).isFalse();
    // The response filters write the access line and release the admission, as for a refusal.
    assertThat(access.relayOwns()).isFalse();
  }

  @Test
  void aLookupThatTimedOutIsRefusedWithItsOwnErrorInTheApisShape() {
    forward(brokers);
    brokers.lookup.completeExceptionally(
        new ApiException(ApiError.unavailable("Could not find which broker holds this response")));
    assertThat(sink.events).containsExactly("fail 503");
    assertThat(sink.error.code()).isEqualTo("unavailable");
    assertThat(access.relayOwns()).isFalse();
  }

  @Test
  void anUnexpectedLookupFailureIsA503NotASilence() {
    forward(brokers);
    brokers.lookup.completeExceptionally(new IllegalStateException("grid shut down"));
    assertThat(sink.events).containsExactly("fail 503");
    assertThat(sink.error.message()).doesNotContain("grid shut down");
    assertThat(access.relayOwns()).isFalse();
  }

  @Test
  void withOneBrokerTheAnswerIsKnownAtOnceAndTheCallerRefusesItAsBefore() {
    assertThat(forward(RemoteBrokers.NONE)).isFalse();
    assertThat(sink.events).isEmpty();
    assertThat(access.relayOwns()).isTrue(); // the caller takes it back as it throws
  }
}
