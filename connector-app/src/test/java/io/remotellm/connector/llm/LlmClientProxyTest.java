package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Properties;
import org.eclipse.jetty.client.HttpProxy;
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

  /** Answers every URI with the given proxies, as the JDK's selector would from its properties. */
  private static ProxySelector answering(Proxy... proxies) {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        return List.of(proxies);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    };
  }

  private static final URI LLM = URI.create("http://llm.example:11434");

  @Test
  void theForwardingClientGoesThroughTheProxyTheJdkWouldHaveUsed() {
    Proxy proxy =
        new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.example", 3128));
    HttpProxy chosen =
        LlmForwardingClient.proxyFor(LLM, with("http.proxyHost", "proxy.example"), answering(proxy))
            .orElseThrow();
    assertThat(chosen.getAddress().getHost()).isEqualTo("proxy.example");
    assertThat(chosen.getAddress().getPort()).isEqualTo(3128);
  }

  @Test
  void theForwardingClientGoesDirectWithoutProxyPropertiesOrWhenTheJdkSaysDirect() {
    Proxy proxy =
        new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.example", 3128));
    assertThat(LlmForwardingClient.proxyFor(LLM, with(), answering(proxy))).isEmpty();
    assertThat(
            LlmForwardingClient.proxyFor(
                LLM, with("http.proxyHost", "proxy.example"), answering(Proxy.NO_PROXY)))
        .as("http.nonProxyHosts matched: the JDK's selector answers DIRECT")
        .isEmpty();
  }
}
