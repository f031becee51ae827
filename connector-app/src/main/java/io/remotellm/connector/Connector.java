package io.remotellm.connector;

import static io.remotellm.connector.logging.LogField.log;
import static io.remotellm.connector.logging.LogField.of;

import io.remotellm.connector.config.ConnectorCommandLine;
import io.remotellm.connector.config.ConnectorConfig;
import io.remotellm.connector.connection.ReconnectBackoff;
import io.remotellm.connector.connection.RelayClient;
import io.remotellm.connector.demo.DemoEchoUpstream;
import io.remotellm.connector.health.HealthServer;
import io.remotellm.connector.health.HealthSnapshot;
import io.remotellm.connector.llm.HttpUpstream;
import io.remotellm.connector.llm.InFlightRequests;
import io.remotellm.connector.llm.LlmProbe;
import io.remotellm.connector.llm.Upstream;
import io.remotellm.connector.logging.Fingerprint;
import io.remotellm.protocol.FrameCodec;
import java.io.IOException;
import java.net.BindException;
import java.net.http.HttpClient;
import java.security.Provider;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * One running connector: relay client, forwarder, LLM probe and health server, wired from a {@link
 * ConnectorConfig}. A handful of threads in all, however many requests are in flight.
 */
public final class Connector implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Connector.class.getName());
  /** Time between two words of the demo model's stream: slow enough to watch it stream. */
  private static final Duration DEMO_PACE = Duration.ofMillis(40);
  /** How long an LLM client thread without work lives on. */
  private static final Duration IDLE_THREAD_KEEP_ALIVE = Duration.ofSeconds(60);

  private final ConnectorConfig config;
  private final long startedAt = System.nanoTime();
  private final ScheduledExecutorService timer;
  private final ExecutorService httpThreads;
  private final HttpClient http;
  private final FrameCodec codec = new FrameCodec();
  private final LlmProbe probe;
  private final InFlightRequests inFlight;
  private final RelayClient relay;
  private final HealthServer health;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile List<String> models;

  private Connector(ConnectorConfig config) throws StartupException {
    this.config = config;
    timer = Executors.newScheduledThreadPool(2, threads("connector-timer"));
    httpThreads = onDemandPool(Math.max(2, Runtime.getRuntime().availableProcessors()), IDLE_THREAD_KEEP_ALIVE,
        threads("llm-http"));
    http = llmClient(config, httpThreads);
    Upstream upstream;
    if (config.demo()) {
      probe = null;
      models = config.models().isEmpty() ? List.of(DemoEchoUpstream.MODEL) : config.models();
      upstream = new DemoEchoUpstream(models, timer, DEMO_PACE);
    } else {
      probe = new LlmProbe(http, config.llmUrl(), config.llmApiKey());
      models = config.models().isEmpty() ? discover(probe) : config.models();
      upstream = new HttpUpstream(http, config.llmUrl(), config.llmApiKey(), config.llmTimeout(),
          probe::probeNow, config.llmConnections(), httpThreads, timer);
    }
    inFlight = new InFlightRequests(upstream, config.capacity());
    String name = "remotellm-connector/" + ConnectorCommandLine.version() + (config.demo() ? " (demo)" : "");
    relay = new RelayClient(config.brokerUrl(), config.brokerToken(),
        new RelayClient.Registration(name, models, config.capacity()), codec, inFlight,
        new ReconnectBackoff(config.reconnectInitial(), config.reconnectMax(), config.reconnectResetAfter(),
            new SecureRandom()),
        timer, config.brokerTrust() == null ? null : config.brokerTrust().context());
    try {
      health = new HealthServer(config.healthPort(), this::snapshot);
    } catch (BindException e) {
      shutdownThreads();
      throw new StartupException("health port " + config.healthPort() + " is in use; choose another with --health-port");
    } catch (IOException e) {
      shutdownThreads();
      throw new StartupException("cannot open health port " + config.healthPort() + ": " + e.getMessage());
    }
  }

  /** Starts everything; the broker is dialled in the background and redialled forever. */
  public static Connector start(ConnectorConfig config) throws StartupException {
    Connector connector = new Connector(config);
    connector.health.start();
    if (config.demo()) {
      log(LOG, Level.WARNING, "DEMO MODE: serving the built-in echo model, no LLM is used",
          of("demo", true), of("models", connector.models));
    }
    log(LOG, Level.INFO, "connector starting", of("llm_url", config.demo() ? "demo" : config.llmUrl()),
        of("broker_url", config.brokerUrl()), of("models", connector.models),
        of("capacity", config.capacity()), of("llm_connections", config.llmConnections()),
        of("health_port", connector.health.port()),
        of("token_fp", Fingerprint.of(config.brokerToken())),
        of("llm_key_fp", Fingerprint.of(config.llmApiKey())), of("demo", config.demo()),
        of("broker_trust", config.brokerTrust() == null ? "JDK default" : config.brokerTrust().source()));
    connector.relay.start();
    if (connector.probe != null) {
      connector.probe.start(connector.timer, config.probeInterval(),
          config.models().isEmpty() ? connector::modelsChanged : null);
    }
    return connector;
  }

  /**
   * The client for the LLM. Built plainly, {@link HttpClient} sets up the JDK's default TLS context
   * at once, whatever the URL: the TLS stack and every CA certificate of the JDK, about 7 MB of the
   * connector's idle footprint of 60 MB. An {@code http://} LLM (or the demo model) never needs it,
   * so that client gets {@link NoTls} instead, which refuses to make a TLS connection; an {@code
   * https://} LLM gets the JDK's default, as before.
   */
  static HttpClient llmClient(ConnectorConfig config, Executor executor) {
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.llmConnectTimeout()).executor(executor);
    if (config.demo() || "http".equalsIgnoreCase(config.llmUrl().getScheme())) {
      // With parameters given, the client does not ask the context for its defaults either.
      builder.sslContext(NoTls.CONTEXT).sslParameters(new SSLParameters());
    }
    return builder.build();
  }

  /**
   * A TLS context for a client that only ever speaks plain HTTP: every use fails, so a TLS
   * connection through it (which the client never opens to an {@code http://} URL, and it follows
   * no redirects) cannot happen unverified.
   */
  static final class NoTls extends SSLContextSpi {
    static final SSLContext CONTEXT = new SSLContext(new NoTls(),
        new Provider("remotellm-no-tls", "1", "no TLS: the LLM URL is http://") {}, "none") {};

    private static UnsupportedOperationException refused() {
      return new UnsupportedOperationException("no TLS: the LLM URL is http://");
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
      throw refused();
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      throw refused();
    }
  }

  private static List<String> discover(LlmProbe probe) throws StartupException {
    Optional<List<String>> found = probe.discoverModels();
    if (found.isEmpty()) {
      throw new StartupException("no --model given and the LLM cannot be asked for its models"
          + " (/v1/models, /api/tags); start the LLM or name the models with --model");
    }
    if (found.get().isEmpty()) {
      throw new StartupException("no --model given and the LLM lists no models; name them with --model");
    }
    log(LOG, Level.INFO, "models discovered from the LLM", of("models", found.get()));
    return found.get();
  }

  private void modelsChanged(List<String> now) {
    models = now;
    relay.updateModels(now);
  }

  public HealthSnapshot snapshot() {
    boolean llm = probe == null || probe.available();
    return new HealthSnapshot(relay.connected(), relay.state().label(), llm, models,
        (System.nanoTime() - startedAt) / 1_000_000_000L);
  }

  public int healthPort() {
    return health.port();
  }

  public List<String> models() {
    return models;
  }

  public int inFlight() {
    return inFlight.size();
  }

  /**
   * Graceful stop (SIGTERM): refuse new requests, tell the broker we serve nothing, let in-flight
   * ones finish within the drain timeout, then close the socket with 1001.
   */
  public void shutdown() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    inFlight.stopAccepting();
    log(LOG, Level.INFO, "shutting down; waiting for in-flight requests",
        of("in_flight", inFlight.size()), of("drain_timeout_s", config.drainTimeout().toSeconds()));
    if (relay.connected()) {
      relay.updateModels(List.of());
    }
    boolean drained;
    try {
      drained = inFlight.awaitIdle(config.drainTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained = false;
    }
    if (!drained) {
      log(LOG, Level.WARNING, "drain timeout passed; cancelling what is left", of("in_flight", inFlight.size()));
    }
    relay.close();
    health.close();
    if (probe == null) {
      log(LOG, Level.INFO, "demo connector stopped", of("demo", true));
    }
    shutdownThreads();
    codec.close();
    log(LOG, Level.INFO, "connector stopped");
    done.countDown();
  }

  @Override
  public void close() {
    shutdown();
  }

  /** Blocks until {@link #shutdown()} finished. */
  public void awaitStopped() throws InterruptedException {
    done.await();
  }

  private void shutdownThreads() {
    timer.shutdownNow();
    httpThreads.shutdownNow();
  }

  /**
   * Up to {@code max} threads; a task goes to a thread waiting for work if there is one, and a new
   * thread starts only when every thread has a task; a thread without work for {@code keepAlive}
   * ends. (A fixed pool starts a thread for each of its first {@code max} tasks, idle threads or
   * not: with 32 CPUs that left a dozen idle LLM client threads after the first request, about
   * 2 MB.) Waiting threads block on a {@link LinkedBlockingQueue}, as a fixed pool's do.
   */
  static ThreadPoolExecutor onDemandPool(int max, Duration keepAlive, ThreadFactory factory) {
    AtomicInteger alive = new AtomicInteger();
    ThreadFactory counting = r -> factory.newThread(() -> {
      alive.incrementAndGet();
      try {
        r.run();
      } finally {
        alive.decrementAndGet();
      }
    });
    return new OnDemandPool(max, keepAlive, counting, alive, new WaitingThreadsFirst());
  }

  private static final class OnDemandPool extends ThreadPoolExecutor {
    /** Tasks given to {@link #execute} and not finished. */
    final AtomicInteger unfinished = new AtomicInteger();
    /** Threads of this pool that are running. */
    final AtomicInteger alive;

    OnDemandPool(int max, Duration keepAlive, ThreadFactory factory, AtomicInteger alive, WaitingThreadsFirst queue) {
      super(0, max, keepAlive.toNanos(), TimeUnit.NANOSECONDS, queue, factory, (task, pool) -> {
        if (pool.isShutdown()) {
          throw new RejectedExecutionException("shut down");
        }
        queue.enqueue(task); // a race left no thread to start: the first to finish takes it
      });
      this.alive = alive;
      queue.pool = this;
    }

    @Override
    public void execute(Runnable task) {
      unfinished.incrementAndGet();
      try {
        super.execute(task);
      } catch (RejectedExecutionException e) {
        unfinished.decrementAndGet();
        throw e;
      }
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
      unfinished.decrementAndGet();
    }
  }

  /**
   * {@link ThreadPoolExecutor} offers each task to its queue first and starts a thread (up to its
   * maximum) when refused: refused while every running thread has a task.
   */
  private static final class WaitingThreadsFirst extends LinkedBlockingQueue<Runnable> {
    private volatile OnDemandPool pool;

    @Override
    public boolean offer(Runnable task) {
      OnDemandPool p = pool;
      int running = p.alive.get();
      if (p.unfinished.get() > running && running < p.getMaximumPoolSize()) {
        return false;
      }
      return super.offer(task);
    }

    void enqueue(Runnable task) {
      super.offer(task);
    }
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
