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
}
