package io.remotellm.broker.relay;

import io.remotellm.broker.auth.ConnectorCredential;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.metrics.BrokerMetrics;
import io.remotellm.protocol.Bounds;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameBytes;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.ModelsChanged;
import io.remotellm.protocol.ProtocolException;
import io.remotellm.protocol.UnknownFrameTypeException;
import io.remotellm.protocol.Welcome;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The connectors: reads what each one's socket says, welcomes it after {@code hello} and makes it
 * routable, keeps its models up to date, pings it and drops it when it falls silent, closes it when
 * its token is revoked, and forgets it when its socket goes. Which connectors serve which model is
 * the {@link ConnectorLinkRouter}'s to say; the requests on a connector are the {@link
 * Dispatcher}'s, to which this class hands answer frames and lost connectors.
 */
@ApplicationScoped
public class ConnectorRegistry {

  private static final Logger LOG = Logger.getLogger(ConnectorRegistry.class.getName());

  @Inject BrokerSettings settings;
  @Inject ConnectorLinkRouter router;
  @Inject Credentials credentials;
  @Inject Dispatcher dispatcher;
  @Inject BrokerMetrics metrics;
  @Inject RemoteBrokers remote = RemoteBrokers.NONE;

  @Resource ManagedScheduledExecutorService scheduler;

  private final Instant started = Instant.now();

  /** Token fingerprint → connectors welcomed with it: one more than its reconnects. */
  private final Map<String, Integer> attaches = new ConcurrentHashMap<>();

  private FrameCodec codec;
  private ScheduledFuture<?> heartbeat;

  @PostConstruct
  void init() {
    codec = new FrameCodec();
  }

  /** Starts the heartbeat with the application rather than with the first connector. */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    int hb = settings.heartbeatSeconds();
    heartbeat = scheduler.scheduleWithFixedDelay(this::heartbeat, hb, hb, TimeUnit.SECONDS);
    LOG.info("Relay ready: connectors attach at /ws");
  }

  /** When the broker started: the models' {@code created} time and the uptime in health. */
  public Instant started() {
    return started;
  }

  /** The models the live connectors serve, sorted: this broker's and, in a cluster, the others'. */
  public Set<String> models() {
    Set<String> elsewhere = remote.models();
    if (elsewhere.isEmpty()) {
      return router.models();
    }
    Set<String> all = new java.util.TreeSet<>(router.models());
    all.addAll(elsewhere);
    return all;
  }

  /** The models this broker's own connectors serve, sorted. */
  public Set<String> localModels() {
    return router.models();
  }

  /** How often a connector with this token fingerprint attached again after its first time. */
  public int reconnects(String fingerprint) {
    return Math.max(0, attaches.getOrDefault(fingerprint, 0) - 1);
  }

  /** How many connectors are attached. */
  public int attached() {
    return router.size();
  }

  /** Whether a new connector may attach: not while the broker drains. */
  boolean accepting() {
    return !dispatcher.draining();
  }

  // ---- connector frames ----------------------------------------------------------------

  /** A text frame from a connector. Bad frames are logged and skipped, not fatal to the link. */
  void onText(ConnectorLink link, String text) {
    link.heard();
    try {
      codec.decodeEach(text, frame -> onFrame(link, frame));
    } catch (UnknownFrameTypeException e) {
      LOG.log(
          Level.FINE,
          "connector {0}: ignoring {1}",
          new Object[] {link.id(), Bounds.forLog(e.getMessage())});
    } catch (ProtocolException e) {
      invalid(link, e);
    }
  }

  /**
   * A binary message from a connector (protocol 3): read as the text whose UTF-8 it is, from any
   * connector, whatever version it said. Invalid UTF-8 is an invalid frame like bad JSON.
   */
  void onBinary(ConnectorLink link, byte[] bytes) {
    String text;
    try {
      text = FrameBytes.text(bytes);
    } catch (ProtocolException e) {
      link.heard();
      invalid(link, e);
      return;
    }
    onText(link, text);
  }

  /** Once per link at WARNING: a broken or hostile connector must not flood the log. */
  private static void invalid(ConnectorLink link, ProtocolException e) {
    int count = link.invalidFrame();
    LOG.log(
        count == 1 ? Level.WARNING : Level.FINE,
        "connector {0}: {1} (frame ignored; further invalid frames of this connector are"
            + " logged at FINE)",
        new Object[] {link.id(), Bounds.forLog(e.getMessage())});
  }

  private void onFrame(ConnectorLink link, Frame frame) {
    String overBounds = ConnectorClaims.refusal(frame);
    if (!link.isOpen()) {
      return; // refused earlier in the same batch
    } else if (overBounds != null) {
      refuse(link, overBounds);
    } else if (frame instanceof Frame.Answer answer) {
      dispatcher.onAnswer(link, answer);
    } else if (frame instanceof Hello hello) {
      onHello(link, hello);
    } else if (frame instanceof ModelsChanged changed) {
      link.models(changed.models());
      LOG.log(
          Level.INFO,
          "connector {0} ({1}) now serves {2}",
          new Object[] {link.id(), link.fingerprint(), Bounds.forLog(link.models())});
    } else {
      LOG.log(Level.FINE, "connector {0}: ignoring a broker-side frame", link.id());
    }
  }

  private void onHello(ConnectorLink link, Hello hello) {
    if (!stillGranted(link)) {
      return;
    }
    // A newer connector speaks our highest version too; an older one is served in its own.
    int protocol = Math.min(hello.protocol(), Frame.PROTOCOL_VERSION);
    link.socket().batching(protocol >= Frame.BATCH_PROTOCOL);
    link.hello(hello.connector(), hello.capacity(), hello.offered(), protocol);
    attaches.merge(link.fingerprint(), 1, Integer::sum);
    link.models(hello.models());
    // Welcome first, then routable: a request dispatched in between would otherwise reach the
    // connector before its welcome, and the connector drops requests that come before welcome
    // (seen in the soak run: requests to a connector that had just attached timed out with 504).
    link.send(codec.encode(new Welcome(link.id(), settings.heartbeatSeconds(), protocol)));
    router.attach(link);
    metrics.connectorAttached();
    // Checked again once routable: a reload that revoked the token between the check above and
    // attach did not see this link among the routes, but its new tokens are seen here.
    if (!stillGranted(link)) {
      return;
    }
    LOG.log(
        Level.INFO,
        "connector {0} attached: token {1}, {2}, capacity {3}, protocol {4}, models {5}, apis {6}",
        new Object[] {
          link.id(),
          link.fingerprint(),
          Bounds.forLog(hello.connector()),
          hello.capacity(),
          protocol,
          Bounds.forLog(link.models()),
          LlmApi.wireNames(link.apis())
        });
  }

  /** Closes a link whose hello or models claim more than the broker keeps (policy, 1008). */
  private void refuse(ConnectorLink link, String why) {
    LOG.log(
        Level.WARNING,
        "connector {0} ({1}) refused: {2}",
        new Object[] {link.id(), link.fingerprint(), why});
    link.socket().close(1008, why);
    onClosed(link, why);
  }

  // ---- connector tokens reloaded ----------------------------------------------------------

  /**
   * After the connector tokens were reloaded: a connector whose token was removed is closed with
   * 1008 (its requests in flight are retried elsewhere or fail, as when it drops), the others take
   * their token's current LLM key for their next requests.
   */
  public void recheckCredentials() {
    for (ConnectorLink link : router.routes()) {
      stillGranted(link);
    }
  }

  /** False, and the link closed, when its token is no longer in force. */
  private boolean stillGranted(ConnectorLink link) {
    Optional<ConnectorCredential> current = credentials.current(link.credential());
    if (current.isPresent()) {
      link.credential(current.get());
      return true;
    }
    LOG.log(
        Level.WARNING,
        "connector {0} ({1}) closed: its token is no longer in force (removed or revoked)",
        new Object[] {link.id(), link.fingerprint()});
    link.socket().close(1008, "connector token revoked");
    onClosed(link, "token revoked");
    return false;
  }

  /** The socket closed or failed: forget the link, and fail or retry what was waiting on it. */
  void onClosed(ConnectorLink link, String why) {
    boolean wasOpen = link.isOpen();
    link.markClosed();
    router.detach(link);
    if (wasOpen) {
      LOG.log(
          Level.INFO,
          "connector {0} ({1}) detached: {2}",
          new Object[] {link.id(), link.fingerprint(), Bounds.forLog(why)});
    }
    dispatcher.connectorLost(link);
  }

  // ---- heartbeat -----------------------------------------------------------------------

  private void heartbeat() {
    heartbeat(System.nanoTime());
  }

  /** One heartbeat round at {@code now}; package-private so tests can move the clock. */
  void heartbeat(long now) {
    try {
      // Three missed heartbeats: long enough for a busy connector, short enough to fail over.
      long silentLimit = TimeUnit.SECONDS.toNanos(3L * settings.heartbeatSeconds());
      for (ConnectorLink link : router.routes()) {
        if (now - link.lastHeardNanos() > silentLimit) {
          LOG.log(
              Level.WARNING,
              "connector {0} ({1}) silent for {2} heartbeats: dropping it",
              new Object[] {link.id(), link.fingerprint(), 3});
          link.socket().close(1001, "heartbeat missed");
          onClosed(link, "heartbeat missed");
        } else {
          link.pinging();
          link.socket().ping();
        }
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; log and keep beating.
      LOG.log(Level.WARNING, "heartbeat failed", e);
    }
  }

  @PreDestroy
  void stop() {
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    codec.close();
  }
}
