package io.remotellm.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.LlmApi;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The router by model and API family, and the two spellings of an untagged model. */
class ApiRoutingTest {

  record ApiRoute(String id, Set<String> models, Set<LlmApi> apis) implements Route {
    @Override
    public boolean isOpen() {
      return true;
    }
  }

  private final ConnectorRouter<ApiRoute> router = new ConnectorRouter<>();

  @Test
  void aModelIsRoutedOnlyToConnectorsThatSpeakTheApi() {
    router.attach(new ApiRoute("openai-only", Set.of("m"), Set.of(LlmApi.OPENAI)));
    router.attach(new ApiRoute("claude", Set.of("m"), Set.of(LlmApi.OPENAI, LlmApi.ANTHROPIC)));
    for (int i = 0; i < 4; i++) {
      Lease<ApiRoute> lease = router.acquire("m", LlmApi.ANTHROPIC, Set.of()).orElseThrow();
      assertThat(lease.route().id()).isEqualTo("claude");
      lease.release();
    }
    assertThat(router.acquire("m", LlmApi.RESPONSES, Set.of())).isEmpty();
    assertThat(router.apisFor("m")).containsExactlyInAnyOrder(LlmApi.OPENAI, LlmApi.ANTHROPIC);
    assertThat(router.apisFor("other")).isEmpty();
  }

  @Test
  void latestIsTheUntaggedNameInRoutingAndLists() {
    router.attach(new ApiRoute("a", Set.of("llama3.2:latest", "qwen:7b"), LlmApi.DEFAULT));
    router.attach(new ApiRoute("b", Set.of("llama3.2"), LlmApi.DEFAULT));
    assertThat(router.models()).containsExactly("llama3.2", "qwen:7b");
    assertThat(router.serves("llama3.2:latest")).isTrue();
    assertThat(router.serves("qwen")).isFalse();
    Lease<ApiRoute> first = router.acquire("llama3.2", LlmApi.OPENAI, Set.of()).orElseThrow();
    Lease<ApiRoute> second =
        router.acquire("llama3.2:latest", LlmApi.OPENAI, Set.of()).orElseThrow();
    assertThat(java.util.List.of(first.route().id(), second.route().id()))
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void aRouteThatNeverSaidSpeaksOpenAiOnly() {
    ConnectorRouter<ConnectorRouterTest.FakeRoute> plain = new ConnectorRouter<>();
    plain.attach(new ConnectorRouterTest.FakeRoute("x", "m"));
    assertThat(plain.acquire("m", LlmApi.OPENAI, Set.of())).isPresent();
    assertThat(plain.acquire("m", LlmApi.ANTHROPIC, Set.of())).isEmpty();
  }
}
