package io.remotellm.connector.llm;

import io.remotellm.connector.config.ConnectorConfig;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpProxy;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Jetty's {@link HttpClient}, set up to forward requests to the LLM as the JDK's client did before
 * it: HTTP/1.1 with keep-alive, no redirects followed, no cookies kept, no compression asked for,
 * the JVM's trust for an {@code https://} LLM, a proxy only when a JVM option asks for one.
 *
 * <p>Why Jetty's and not the JDK's: the JDK client hands each exchange between its selector, its
 * executor and the common pool (6.5–7.6 thread wake-ups per request, about 60 % of the connector's
 * CPU); Jetty's parses a read on the thread that did it and calls us there (docs/benchmarks.md,
 * issue 17, "The LLM hop on Jetty's HttpClient").
 */
public final class LlmForwardingClient {
  /** How long a kept-alive connection to the LLM may sit unused before it is closed. */
  static final Duration IDLE_CONNECTION_TIMEOUT = Duration.ofSeconds(60);

  /** How long a pool thread without work lives on: an idle connector keeps almost none. */
  private static final int IDLE_THREAD_MILLIS = 60_000;

  /** The read buffer each connection to the LLM keeps while its answer comes. */
  static final int READ_BUFFER_BYTES = 4096;

  /** The most memory Jetty's buffer pool keeps for reuse, of heap and of direct buffers each. */
  static final long POOLED_BYTES = 2L << 20;

  private static final String REFERENCES_PER_CACHE_LINE =
      "org.eclipse.jetty.util.referencesPerCacheLine";

  private LlmForwardingClient() {}

  /**
   * A started client for {@code config}'s LLM: at most {@code config.llmConnections()} connections
   * (as many as calls run at once, {@link LlmConnections}), one selector thread and a few pool
   * threads that come and go with the load.
   */
  public static HttpClient start(ConnectorConfig config) throws Exception {
    return start(
        config.llmUrl(),
        config.llmConnectTimeout(),
        config.llmConnections(),
        Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
  }

  static HttpClient start(URI llm, Duration connectTimeout, int connections, int maxThreads)
      throws Exception {
    return start(llm, connectTimeout, connections, maxThreads, null);
  }

  /**
   * @param trust the TLS context for an {@code https://} LLM; null for the JVM's default
   */
  static HttpClient start(
      URI llm, Duration connectTimeout, int connections, int maxThreads, SSLContext trust)
      throws Exception {
    // Jetty's queues pad to the cache line and, unless told, ask the platform MBean server
    // whether references are compressed: that loads JMX, 321 classes and 3 MB of idle RSS.
    // They are (heaps under 32 GB, the launcher's 512 MB): 64-byte lines of 4-byte references.
    if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
      System.setProperty(REFERENCES_PER_CACHE_LINE, "16");
    }
    QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 1, IDLE_THREAD_MILLIS);
    threads.setName("llm-http");
    threads.setDaemon(true);
    ClientConnector connector = new ClientConnector();
    connector.setSelectors(1);
    connector.setExecutor(threads);
    connector.setScheduler(new ScheduledExecutorScheduler("llm-http-timer", true));
    connector.setSslContextFactory(tls(llm, trust));
    HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
    // Our code called with the LLM's bytes never blocks (frames go out through the WebSocket's
    // asynchronous send; a re-probe is asynchronous too), so Jetty may run it on the selector
    // thread that read them: no hand-off to a pool thread per read. Side by side with the default
    // (a hand-off): 1.0-1.1 against 2.9-3.1 thread wake-ups and 0.34 against 0.41 ms CPU per
    // request (docs/benchmarks.md).
    transport.setInvocationType(InvocationType.NON_BLOCKING);
    HttpClient http = new HttpClient(transport);
    // Jetty keeps a read buffer on every open connection to the LLM, one per stream in flight:
    // 4 KB instead of its 16 KB (an SSE event is a few hundred bytes; a longer answer takes more
    // reads), on the heap instead of direct, from a pool that keeps at most POOLED_BYTES. Jetty's
    // defaults (direct buffers, a pool keeping up to an eighth of the heap's maximum of each kind:
    // 62 MB under the launcher's -Xmx512m) held 78 MB of native memory with 2,000 streams open,
    // which only a full collection gave back; these took the peak RSS with 2,000 paced streams
    // from 137-199 to 114-116 MB, CPU per request and per event unchanged (docs/benchmarks.md,
    // issue 17, "memory").
    ArrayByteBufferPool buffers =
        new ArrayByteBufferPool(0, -1, -1, Integer.MAX_VALUE, POOLED_BYTES, POOLED_BYTES);
    connector.setByteBufferPool(buffers);
    http.setByteBufferPool(buffers);
    http.setUseInputDirectByteBuffers(false);
    http.setUseOutputDirectByteBuffers(false);
    http.setResponseBufferSize(READ_BUFFER_BYTES);
    http.setConnectTimeout(connectTimeout.toMillis());
    http.setIdleTimeout(IDLE_CONNECTION_TIMEOUT.toMillis());
    http.setMaxConnectionsPerDestination(connections);
    // Jetty queues a request while its connection opens; LlmConnections already keeps the calls
    // at most `connections`, so its default bound (1,024) must not refuse a burst under that.
    http.setMaxRequestsQueuedPerDestination(connections);
    http.setFollowRedirects(false); // the JDK client's default (NEVER): the client sees the 3xx
    http.setHttpCookieStore(new HttpCookieStore.Empty());
    proxyFor(llm, System.getProperties(), ProxySelector.getDefault())
        .ifPresent(proxy -> http.getProxyConfiguration().addProxy(proxy));
    http.start();
    // Registered at start from the class path (gzip); the JDK client asked for no encoding and
    // the relay passes the LLM's bytes on as they are, so none is asked for here either.
    http.getContentDecoderFactories().clear();
    return http;
  }

  /**
   * For an {@code https://} LLM the JVM's default TLS context, the one the JDK client used (its
   * trust store, {@code -Djavax.net.ssl.trustStore}), with host name verification. For an {@code
   * http://} LLM a factory that never loads anything: started plainly, Jetty's would load the JDK's
   * CA certificates (about 7 MB of the idle footprint, see {@code NoTls}) for a client that never
   * opens a TLS connection.
   */
  private static SslContextFactory.Client tls(URI llm, SSLContext trust)
      throws NoSuchAlgorithmException {
    if (!"https".equalsIgnoreCase(llm.getScheme())) {
      return new NoTlsFactory();
    }
    SslContextFactory.Client tls = new SslContextFactory.Client();
    tls.setSslContext(trust != null ? trust : SSLContext.getDefault());
    tls.setEndpointIdentificationAlgorithm("HTTPS");
    return tls;
  }

  /** Never started, so never loads a key or trust store; an https:// request through it fails. */
  private static final class NoTlsFactory extends SslContextFactory.Client {
    @Override
    protected void doStart() {
      // Nothing to load: this client speaks plain http:// only.
    }
  }

  /**
   * The HTTP proxy the JDK's client would have used for the LLM: none unless a JVM option asks for
   * one ({@code -Dhttp.proxyHost}, {@code -Dhttps.proxyHost}, {@code
   * -Djava.net.useSystemProxies=true}); then the JDK's default selector's answer for the LLM's URL
   * (which honours {@code http.nonProxyHosts}), asked once, as every request goes to that one
   * server.
   */
  static Optional<HttpProxy> proxyFor(URI llm, Properties properties, ProxySelector selector) {
    if (LlmClient.noProxyConfigured(properties) || selector == null) {
      return Optional.empty();
    }
    List<Proxy> proxies = selector.select(llm);
    for (Proxy proxy : proxies) {
      if (proxy.type() == Proxy.Type.HTTP && proxy.address() instanceof InetSocketAddress address) {
        return Optional.of(new HttpProxy(address.getHostString(), address.getPort()));
      }
      if (proxy.type() == Proxy.Type.DIRECT) {
        break;
      }
    }
    return Optional.empty();
  }
}
