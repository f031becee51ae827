package io.remotellm.connector.llm;

import io.remotellm.connector.config.ConnectorConfig;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;

/** The HTTP client the connector talks to its LLM with, and the threads that start queued calls. */
public final class LlmClient {
  private LlmClient() {}

  /**
   * The client for the LLM. Built plainly, {@link HttpClient} sets up the JDK's default TLS context
   * at once, whatever the URL: the TLS stack and every CA certificate of the JDK, about 7 MB of the
   * connector's idle footprint of 60 MB. An {@code http://} LLM (or the demo model) never needs it,
   * so that client gets {@link NoTls} instead, which refuses to make a TLS connection; an {@code
   * https://} LLM gets the JDK's default, as before.
   *
   * <p>The client runs its work where it arises, on its selector thread, instead of waking a pool
   * thread for each response head, body read and completion: one event loop, as the Python
   * reference has (issue 17: about a quarter less connector CPU per request). Nothing it calls back
   * may block, and nothing does: the body relay queues frames for Tyrus's asynchronous send and
   * asks for more from the send's completion. The completions of {@code sendAsync} itself still go
   * to {@code CompletableFuture}'s default executor (see {@code ConnectorMain}).
   */
  public static HttpClient build(ConnectorConfig config) {
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.llmConnectTimeout())
            .executor(Runnable::run);
    if (config.demo() || "http".equalsIgnoreCase(config.llmUrl().getScheme())) {
      // With parameters given, the client does not ask the context for its defaults either.
      builder.sslContext(NoTls.CONTEXT).sslParameters(new SSLParameters());
    }
    return builder.build();
  }

  /**
   * Threads that start a call waiting for a connection once one frees up: up to {@code max}, extra
   * tasks wait in order, and a thread without work for {@code keepAlive} ends, so an idle connector
   * keeps none of them (the idle-memory target in docs/benchmarks.md). A burst may start all {@code
   * max} at once; they end after it.
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
