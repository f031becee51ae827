package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class HttpUpstreamTargetTest {
  @Test
  void joinsOpenAiPathsOnceAndSendsOllamasToTheRoot() {
    URI root = URI.create("http://h:11434");
    URI v1 = URI.create("http://h:11434/v1");
    assertThat(HttpUpstream.target(v1, "/v1/chat/completions"))
        .hasToString("http://h:11434/v1/chat/completions");
    assertThat(HttpUpstream.target(root, "/v1/chat/completions"))
        .hasToString("http://h:11434/v1/chat/completions");
    assertThat(HttpUpstream.target(v1, "/api/chat")).hasToString("http://h:11434/api/chat");
    assertThat(HttpUpstream.target(root, "/api/chat")).hasToString("http://h:11434/api/chat");
  }

  @Test
  void theClientsQueryGoesOnAfterThePath() {
    URI v1 = URI.create("http://h:11434/v1");
    assertThat(HttpUpstream.target(v1, "/v1/responses/resp_1", "include%5B%5D=x&stream=false"))
        .hasToString("http://h:11434/v1/responses/resp_1?include%5B%5D=x&stream=false");
    assertThat(HttpUpstream.target(v1, "/v1/responses/resp_1", null))
        .hasToString("http://h:11434/v1/responses/resp_1");
  }
}
