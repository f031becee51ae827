package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LlmBodyRelayTest {

  @Test
  void parsesOnlyChunksWhoseUsageIsAnObject() {
    assertThat(LlmBodyRelay.hasUsageObject("{\"choices\":[],\"usage\":null}")).isFalse();
    assertThat(LlmBodyRelay.hasUsageObject("{\"choices\":[]}")).isFalse();
    assertThat(LlmBodyRelay.hasUsageObject("{\"usage\": {\"total_tokens\":3}}")).isTrue();
    assertThat(LlmBodyRelay.hasUsageObject("{\"usage\":{\"total_tokens\":3}}")).isTrue();
  }

  @Test
  void findsUsageAtTheEndOfALargeBody() {
    String tail =
        "xx tok9 \"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":9}}";
    assertThat(LlmBodyRelay.usageInTail(tail).getInt("completion_tokens")).isEqualTo(9);
    assertThat(LlmBodyRelay.usageInTail("no usage here")).isNull();
    assertThat(LlmBodyRelay.usageOf("{\"usage\":{\"total_tokens\":1}}").getInt("total_tokens"))
        .isEqualTo(1);
    assertThat(LlmBodyRelay.usageOf("not json")).isNull();
  }
}
