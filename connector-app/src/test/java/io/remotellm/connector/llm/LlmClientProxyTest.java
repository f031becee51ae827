package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The LLM client is told "no proxy" once only when no JVM option asks for one; a proxy given with
 * the JDK's usual properties still reaches the JDK's selector.
 */
class LlmClientProxyTest {

  private static Properties with(String... keyValues) {
    Properties p = new Properties();
    for (int i = 0; i < keyValues.length; i += 2) {
      p.setProperty(keyValues[i], keyValues[i + 1]);
    }
    return p;
  }

  @Test
  void noProxyPropertiesMeansDirect() {
    assertThat(LlmClient.noProxyConfigured(with())).isTrue();
    assertThat(LlmClient.noProxyConfigured(with("java.net.useSystemProxies", "false"))).isTrue();
    assertThat(LlmClient.noProxyConfigured(with("http.proxyHost", ""))).isTrue();
  }

  @Test
  void anyProxyPropertyLeavesTheChoiceToTheJdk() {
    assertThat(LlmClient.noProxyConfigured(with("http.proxyHost", "proxy.example"))).isFalse();
    assertThat(LlmClient.noProxyConfigured(with("https.proxyHost", "proxy.example"))).isFalse();
    assertThat(LlmClient.noProxyConfigured(with("java.net.useSystemProxies", "true"))).isFalse();
  }
}
