package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RelayedEndpointsTest {

  @Test
  void findsEachFamilysCalls() {
    assertThat(RelayedEndpoints.find("POST", "/v1/messages").orElseThrow().api())
        .isEqualTo(LlmApi.ANTHROPIC);
    assertThat(RelayedEndpoints.find("POST", "/v1/messages/count_tokens").orElseThrow().api())
        .isEqualTo(LlmApi.ANTHROPIC);
    assertThat(RelayedEndpoints.find("POST", "/v1/responses").orElseThrow().api())
        .isEqualTo(LlmApi.RESPONSES);
    assertThat(RelayedEndpoints.find("POST", "/v1/chat/completions").orElseThrow().api())
        .isEqualTo(LlmApi.OPENAI);
  }

  @Test
  void aFixedPathWinsOverAnIdTemplate() {
    RelayedEndpoints.Endpoint tokens =
        RelayedEndpoints.find("POST", "/v1/responses/input_tokens").orElseThrow();
    assertThat(tokens.routing()).isEqualTo(RelayedEndpoints.Routing.BY_MODEL);
  }

  @Test
  void responseIdsRouteByIdAndAreTakenFromThePath() {
    RelayedEndpoints.Endpoint get = RelayedEndpoints.find("GET", "/v1/responses/resp_1").get();
    assertThat(get.routing()).isEqualTo(RelayedEndpoints.Routing.BY_RESPONSE_ID);
    assertThat(get.id("/v1/responses/resp_1")).isEqualTo("resp_1");
    RelayedEndpoints.Endpoint cancel =
        RelayedEndpoints.find("POST", "/v1/responses/resp_1/cancel").get();
    assertThat(cancel.id("/v1/responses/resp_1/cancel")).isEqualTo("resp_1");
    assertThat(RelayedEndpoints.allows("DELETE", "/v1/responses/resp_1")).isTrue();
  }

  @Test
  void refusesEverythingElse() {
    for (String[] call :
        List.of(
            new String[] {"GET", "/v1/messages"},
            new String[] {"POST", "/api/pull"},
            new String[] {"POST", "/v1/responses/../admin"},
            new String[] {"GET", "/v1/responses/a b"},
            new String[] {"PUT", "/v1/responses/resp_1"},
            new String[] {"POST", "/v1/responses/resp_1/cancel/x"},
            new String[] {"GET", "/v1/responses/"})) {
      assertThat(RelayedEndpoints.allows(call[0], call[1])).as(call[0] + " " + call[1]).isFalse();
    }
  }

  @Test
  void modelNamesWithoutATagMeanLatest() {
    assertThat(ModelNames.same("llama3.2", "llama3.2:latest")).isTrue();
    assertThat(ModelNames.same("llama3.2:1b", "llama3.2")).isFalse();
    assertThat(ModelNames.canonical(":latest")).isEqualTo(":latest");
  }

  @Test
  void apiListsParseAndOlderPeersMeanOpenAi() {
    assertThat(LlmApi.parseList(" OpenAI, anthropic ,"))
        .isEqualTo(Set.of(LlmApi.OPENAI, LlmApi.ANTHROPIC));
    assertThat(LlmApi.fromWire(null)).isEqualTo(Set.of(LlmApi.OPENAI));
    assertThat(LlmApi.fromWire(List.of("future-api"))).isEqualTo(Set.of(LlmApi.OPENAI));
    assertThat(new Hello(2, "c", List.of("m"), 1).offered()).containsExactly(LlmApi.OPENAI);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlmApi.parseList("openai,grpc"))
        .hasMessageContaining("grpc")
        .hasMessageContaining("anthropic");
  }
}
