package io.remotellm.connector.llm;

import io.remotellm.connector.config.ConnectorConfig;
import io.remotellm.connector.config.NoTls;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;

/**
 * The JDK HTTP client the connector probes its LLM with (models, API family), and the threads it
 * runs on; requests are forwarded through {@link LlmForwardingClient}'s.
 */
public final class LlmClient {
  private LlmClient() {}

  /**
   * The probe's client for the LLM. Built plainly, {@link HttpClient} sets up the JDK's default TLS
   * context at once, whatever the URL: the TLS stack and every CA certificate of the JDK, about 7
   * MB of the connector's idle footprint of 60 MB. An {@code http://} LLM (or the demo model) never
   * needs it, so that client gets {@link NoTls} instead, which refuses to make a TLS connection; an
   * {@code https://} LLM gets the JDK's default, as before.
   */
  public static HttpClient build(ConnectorConfig config, Executor executor) {
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.llmConnectTimeout())
            .executor(executor);
    if (noProxyConfigured(System.getProperties())) {
      // Without a proxy of its own the client asks the JDK's default ProxySelector for every
      // request, which reads the proxy properties and matches the host against http.nonProxyHosts
      // each time; with none of those properties set, the answer is always "direct".
      builder.proxy(HttpClient.Builder.NO_PROXY);
    }
    if (config.demo() || "http".equalsIgnoreCase(config.llmUrl().getScheme())) {
      // With parameters given, the client does not ask the context for its defaults either.
      builder.sslContext(NoTls.CONTEXT).sslParameters(new SSLParameters());
    }
    return builder.build();
  }

  /**
   * True when no JVM option asks for a proxy ({@code -Dhttp.proxyHost}, {@code -Dhttps.proxyHost},
   * {@code -Djava.net.useSystemProxies=true}): the JDK's default selector would then always answer
   * "no proxy", so the client may be told so once instead of asking per request.
   */
  static boolean noProxyConfigured(Properties properties) {
    return properties.getProperty("http.proxyHost", "").isEmpty()
        && properties.getProperty("https.proxyHost", "").isEmpty()
        && !Boolean.parseBoolean(properties.getProperty("java.net.useSystemProxies"));
  }

  /**
   * The client's threads: up to {@code max}, extra tasks wait in order, and a thread without work
   * for {@code keepAlive} ends, so an idle connector keeps none of them (the idle-memory target in
   * docs/benchmarks.md). A burst may start all {@code max} at once; they end after it.
   */
  public static ThreadPoolExecutor threads(int max, Duration keepAlive, ThreadFactory factory) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            max,
            max,
            keepAlive.toNanos(),
            TimeUnit.NANOSECONDS,
            new LinkedBlockingQueue<>(),
            factory);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
