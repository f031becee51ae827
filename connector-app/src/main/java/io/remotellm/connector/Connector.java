package io.remotellm.connector;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import io.remotellm.connector.config.ConnectorCommandLine;
import io.remotellm.connector.config.ConnectorConfig;
import io.remotellm.connector.connection.BrokerRotation;
import io.remotellm.connector.connection.ReconnectBackoff;
import io.remotellm.connector.connection.RelayClient;
import io.remotellm.connector.demo.DemoEchoUpstream;
import io.remotellm.connector.health.HealthServer;
import io.remotellm.connector.health.HealthSnapshot;
import io.remotellm.connector.llm.HttpUpstream;
import io.remotellm.connector.llm.InFlightRequests;
import io.remotellm.connector.llm.LlmApiDetector;
import io.remotellm.connector.llm.LlmClient;
import io.remotellm.connector.llm.LlmForwardingClient;
import io.remotellm.connector.llm.LlmProbe;
import io.remotellm.connector.llm.Upstream;
import io.remotellm.protocol.Fingerprint;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.LlmApi;
import java.io.IOException;
import java.net.BindException;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

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

  /** Forwards requests to the LLM; null for the demo model. The probe keeps the JDK's client. */
  private final org.eclipse.jetty.client.HttpClient forwarding;

  private final FrameCodec codec = new FrameCodec();
  private final LlmProbe probe;
  private final InFlightRequests inFlight;
  private final RelayClient relay;
  private final HealthServer health;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile List<String> models;
  private final Set<LlmApi> apis;

  private Connector(ConnectorConfig config) throws StartupException {
    this.config = config;
    timer = Executors.newScheduledThreadPool(2, threads("connector-timer"));
    httpThreads =
        LlmClient.threads(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            IDLE_THREAD_KEEP_ALIVE,
            threads("llm-http"));
    http = LlmClient.build(config, httpThreads);
    Upstream upstream;
    if (config.demo()) {
      probe = null;
      models = config.models().isEmpty() ? List.of(DemoEchoUpstream.MODEL) : config.models();
      upstream = new DemoEchoUpstream(models, timer, DEMO_PACE);
      apis = config.apis().isEmpty() ? LlmApi.DEFAULT : config.apis();
      forwarding = null;
    } else {
      probe = new LlmProbe(http, config.llmUrl(), config.llmApiKey());
      models = config.models().isEmpty() ? discover(probe) : config.models();
      apis =
          config.apis().isEmpty()
              ? LlmApiDetector.detect(http, config.llmUrl(), config.llmApiKey())
              : config.apis();
      try {
        forwarding = LlmForwardingClient.start(config);
      } catch (Exception e) {
        shutdownThreads();
        throw new StartupException("cannot start the HTTP client for the LLM: " + e.getMessage());
      }
      upstream =
          new HttpUpstream(
              forwarding,
              config.llmUrl(),
              config.llmApiKey(),
              config.llmTimeout(),
              probe::probeNow,
              config.llmConnections(),
              httpThreads,
              timer);
    }
    inFlight = new InFlightRequests(upstream, config.capacity());
    String name =
        "remotellm-connector/" + ConnectorCommandLine.version() + (config.demo() ? " (demo)" : "");
    relay =
        new RelayClient(
            new BrokerRotation(config.brokerUrls()),
            config.brokerToken(),
            new RelayClient.Registration(name, models, config.capacity(), LlmApi.wireNames(apis)),
            codec,
            inFlight,
            new ReconnectBackoff(
                config.reconnectInitial(),
                config.reconnectMax(),
                config.reconnectResetAfter(),
                new SecureRandom()),
            timer,
            config.brokerTrust() == null ? null : config.brokerTrust().context());
    try {
      health = new HealthServer(config.healthPort(), this::snapshot);
    } catch (BindException e) {
      shutdownThreads();
      throw new StartupException(
          "health port " + config.healthPort() + " is in use; choose another with --health-port");
    } catch (IOException e) {
      shutdownThreads();
      throw new StartupException(
          "cannot open health port " + config.healthPort() + ": " + e.getMessage());
    }
  }

  /** Starts everything; the broker is dialled in the background and redialled forever. */
  public static Connector start(ConnectorConfig config) throws StartupException {
    Connector connector = new Connector(config);
    connector.health.start();
    if (config.demo()) {
      log(
          LOG,
          Level.WARNING,
          "DEMO MODE: serving the built-in echo model, no LLM is used",
          of("demo", true),
          of("models", connector.models));
    }
    log(
        LOG,
        Level.INFO,
        "connector starting",
        of("llm_url", config.demo() ? "demo" : config.llmUrl()),
        of("broker_url", config.brokerUrl()),
        of("broker_urls", config.brokerUrls()),
        of("models", connector.models),
        of("apis", LlmApi.wireNames(connector.apis)),
        of("capacity", config.capacity()),
        of("llm_connections", config.llmConnections()),
        of("health_port", connector.health.port()),
        of("token_fp", Fingerprint.of(config.brokerToken())),
        of("llm_key_fp", Fingerprint.of(config.llmApiKey())),
        of("demo", config.demo()),
        of(
            "broker_trust",
            config.brokerTrust() == null ? "JDK default" : config.brokerTrust().source()));
    connector.relay.start();
    if (connector.probe != null) {
      connector.probe.start(
          connector.timer,
          config.probeInterval(),
          config.models().isEmpty() ? connector::modelsChanged : null);
    }
    return connector;
  }

  private static List<String> discover(LlmProbe probe) throws StartupException {
    Optional<List<String>> found = probe.discoverModels();
    if (found.isEmpty()) {
      throw new StartupException(
          "no --model given and the LLM cannot be asked for its models"
              + " (/v1/models, /api/tags); start the LLM or name the models with --model");
    }
    if (found.get().isEmpty()) {
      throw new StartupException(
          "no --model given and the LLM lists no models; name them with --model");
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
    return new HealthSnapshot(
        relay.connected(),
        relay.state().label(),
        llm,
        models,
        (System.nanoTime() - startedAt) / 1_000_000_000L,
        LlmApi.wireNames(apis));
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
    log(
        LOG,
        Level.INFO,
        "shutting down; waiting for in-flight requests",
        of("in_flight", inFlight.size()),
        of("drain_timeout_s", config.drainTimeout().toSeconds()));
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
      log(
          LOG,
          Level.WARNING,
          "drain timeout passed; cancelling what is left",
          of("in_flight", inFlight.size()));
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
    if (forwarding != null) {
      try {
        forwarding.stop();
      } catch (Exception e) {
        log(LOG, Level.WARNING, "the LLM client did not stop cleanly", e);
      }
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
