package io.remotellm.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConnectorConfigParserTest {

  private final ConnectorConfigParser parser = new ConnectorConfigParser();

  @Test
  void readsTheSeedsExample() {
    String yaml =
        """
        # /etc/remotellm/connectors.yaml
        connectors:
          - token: "connector-token-1"
            llm_api_key: "sk-your-openai-api-key"
          - token: "connector-token-2"
            llm_api_key: "sk-your-anthropic-key"
          - token: "connector-token-3"
            # No llm_api_key for LLMs that don't require auth (e.g., local Ollama)
        """;
    List<ConnectorEntry> entries = parser.parse(yaml, "connectors.yaml");
    assertThat(entries).hasSize(3);
    assertThat(entries.get(0).token()).isEqualTo("connector-token-1");
    assertThat(entries.get(0).llmApiKey()).contains("sk-your-openai-api-key");
    assertThat(entries.get(2).token()).isEqualTo("connector-token-3");
    assertThat(entries.get(2).llmApiKey()).isEmpty();
  }

  @Test
  void emptyFileOrListMeansNoConnectors() {
    assertThat(parser.parse("", "f")).isEmpty();
    assertThat(parser.parse("connectors: []", "f")).isEmpty();
    assertThat(parser.parse("connectors:", "f")).isEmpty();
  }

  @Test
  void emptyKeyCountsAsNone() {
    assertThat(
            parser
                .parse("connectors:\n  - token: t\n    llm_api_key: \"\"\n", "f")
                .get(0)
                .llmApiKey())
        .isEmpty();
  }

  @Test
  void badYamlIsAClearErrorWithoutSecrets() {
    assertThatThrownBy(
            () -> parser.parse("connectors:\n  - token: \"secret-tok\n    llm: [", "/etc/c.yaml"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("/etc/c.yaml")
        .hasMessageContaining("not valid YAML")
        .hasMessageContaining("line")
        .hasMessageNotContaining("secret-tok");
  }

  @Test
  void wrongShapesAreClearErrors() {
    assertThatThrownBy(() -> parser.parse("- a\n- b\n", "f")).hasMessageContaining("mapping");
    assertThatThrownBy(() -> parser.parse("connectors: nope", "f"))
        .hasMessageContaining("must be a list");
    assertThatThrownBy(() -> parser.parse("connectors:\n  - llm_api_key: k\n", "f"))
        .hasMessageContaining("connectors[0]")
        .hasMessageContaining("no 'token'");
    assertThatThrownBy(() -> parser.parse("connectors:\n  - plain-string\n", "f"))
        .hasMessageContaining("connectors[0]");
  }

  @Test
  void refusesToBuildObjectsFromTags() {
    assertThatThrownBy(() -> parser.parse("!!java.io.File [\"/tmp\"]", "f"))
        .isInstanceOf(ConfigurationException.class);
  }

  @Test
  void entriesNeverPrintSecrets() {
    ConnectorEntry entry = new ConnectorEntry("tok-123", Optional.of("sk-456"));
    assertThat(entry.toString()).doesNotContain("tok-123").doesNotContain("sk-456");
  }
}
