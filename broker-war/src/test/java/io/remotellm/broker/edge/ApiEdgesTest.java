package io.remotellm.broker.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.LlmApi;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiEdgesTest {

  @Test
  void theClientsPathPicksTheFamily() {
    assertThat(ApiEdges.forPath("/v1/messages").api()).isEqualTo(LlmApi.ANTHROPIC);
    assertThat(ApiEdges.forPath("/v1/messages/count_tokens").api()).isEqualTo(LlmApi.ANTHROPIC);
    assertThat(ApiEdges.forPath("/v1/messagesX").api()).isEqualTo(LlmApi.OPENAI);
    assertThat(ApiEdges.forPath("/v1/responses/resp_1/cancel").api()).isEqualTo(LlmApi.RESPONSES);
    assertThat(ApiEdges.forPath("/v1/chat/completions").api()).isEqualTo(LlmApi.OPENAI);
    assertThat(ApiEdges.forPath(null).api()).isEqualTo(LlmApi.OPENAI);
    assertThat(ApiEdges.pathOf("/ctx/v1/messages", "/ctx")).isEqualTo("/v1/messages");
    assertThat(ApiEdges.pathOf("/v1/messages", "")).isEqualTo("/v1/messages");
  }

  @Test
  void anthropicTakesTheKeyFromXApiKeyOrBearer() {
    ApiEdge edge = ApiEdges.of(LlmApi.ANTHROPIC);
    assertThat(edge.presentedKey(Map.of("x-api-key", " k1 ")::get)).isEqualTo("Bearer k1");
    assertThat(edge.presentedKey(Map.of("authorization", "Bearer k2")::get)).isEqualTo("Bearer k2");
    assertThat(edge.presentedKey(Map.<String, String>of()::get)).isNull();
    // OpenAI's paths never take x-api-key: only the header their clients send.
    assertThat(ApiEdges.OPENAI.presentedKey(Map.of("x-api-key", "k1")::get)).isNull();
  }

  @Test
  void anthropicErrorsHaveAnthropicsTypesForTheStatus() {
    ApiEdge edge = ApiEdges.of(LlmApi.ANTHROPIC);
    assertThat(edge.errorBody(ApiError.invalidApiKey("no key")))
        .isEqualTo(
            "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"no key\"}}");
    assertThat(AnthropicEdge.type(404)).isEqualTo("not_found_error");
    assertThat(AnthropicEdge.type(413)).isEqualTo("request_too_large");
    assertThat(AnthropicEdge.type(429)).isEqualTo("rate_limit_error");
    assertThat(AnthropicEdge.type(400)).isEqualTo("invalid_request_error");
    assertThat(AnthropicEdge.type(503)).isEqualTo("overloaded_error");
    assertThat(AnthropicEdge.type(502)).isEqualTo("api_error");
    assertThat(AnthropicEdge.type(504)).isEqualTo("api_error");
  }

  @Test
  void streamsEndAsTheirFamilySays() {
    assertThat(ApiEdges.OPENAI.streamEnd()).isEqualTo(new ApiEdge.SseFrame(null, "[DONE]"));
    assertThat(ApiEdges.of(LlmApi.RESPONSES).streamEnd()).isNull();
    assertThat(ApiEdges.of(LlmApi.ANTHROPIC).streamEnd()).isNull();
    assertThat(ApiEdges.of(LlmApi.RESPONSES).streamError(ApiError.upstream("gone")))
        .isEqualTo(
            new ApiEdge.SseFrame(
                "error",
                "{\"type\":\"error\",\"code\":\"upstream_error\",\"message\":\"gone\",\"param\":null}"));
    assertThat(ApiEdges.of(LlmApi.ANTHROPIC).upstreamStreamError("oops", ApiError.upstream("x")))
        .isEqualTo(
            new ApiEdge.SseFrame(
                "error",
                "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}"));
  }
}
