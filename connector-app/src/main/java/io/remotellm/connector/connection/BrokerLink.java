package io.remotellm.connector.connection;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ModelsChanged;
import io.remotellm.protocol.ProtocolException;
import io.remotellm.protocol.Request;
import io.remotellm.protocol.UnknownFrameTypeException;
import io.remotellm.protocol.Welcome;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection attempt to the broker and, if it opens, its session: {@code hello}, waiting for
 * {@code welcome}, the broker's frames handed to the {@link RequestHandler}, the heartbeat, and its
 * end, once, whatever noticed it first. It tells the {@link RelayClient} that made it what happened
 * through {@link Events}; it never dials again itself.
 */
final class BrokerLink extends Endpoint {

  // The relay client's logger: these lines are its story, and operators filter on it.
  private static final Logger LOG = Logger.getLogger(RelayClient.class.getName());

  /** Heartbeats missed before the link counts as dead. */
  private static final int MISSED_HEARTBEATS = 3;

  /** What a link tells the client that made it. */
  interface Events {
    /** The broker said welcome: requests may come. */
    void welcomed();

    /**
     * The link is over (not after {@link BrokerLink#close}); {@code why} is for the log, null if
     * already said; {@code nextProtocol} is the version the next {@code hello} should offer.
     */
    void ended(String why, int nextProtocol);
  }

  private final int protocol;
  private final Supplier<RelayClient.Registration> registration;
  private final FrameCodec codec;
  private final RequestHandler handler;
  private final ReconnectBackoff backoff;
  private final ScheduledExecutorService timer;
  private final URI brokerUrl;
  private final Events events;
  private final AtomicBoolean over = new AtomicBoolean();
  private volatile Session session;
  private volatile FrameSender sender;
  private volatile boolean welcomed;

  /** Set when the broker refused {@link #protocol} with 1002: the next hello offers 1. */
  private volatile boolean versionRefused;

  private volatile long lastHeard = System.nanoTime();
  private volatile ScheduledFuture<?> heartbeat;
  private volatile ScheduledFuture<?> welcomeTimeout;

  /**
   * @param protocol the version this link's {@code hello} offers
   * @param registration who we are and what we serve, read when {@code hello} is sent
   */
  BrokerLink(
      int protocol,
      Supplier<RelayClient.Registration> registration,
      FrameCodec codec,
      RequestHandler handler,
      ReconnectBackoff backoff,
      ScheduledExecutorService timer,
      URI brokerUrl,
      Events events) {
    this.protocol = protocol;
    this.registration = registration;
    this.codec = codec;
    this.handler = handler;
    this.backoff = backoff;
    this.timer = timer;
    this.brokerUrl = brokerUrl;
    this.events = events;
  }

  /** Ends the link unless the broker says {@code welcome} within {@code timeout} of now. */
  void expectWelcomeWithin(Duration timeout) {
    welcomeTimeout =
        timer.schedule(
            () -> {
              if (!welcomed) {
                lost("no welcome from the broker within " + timeout.toSeconds() + " s");
              }
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  boolean welcomed() {
    return welcomed;
  }

  /** Tells the broker the served models changed; only once welcomed. */
  void modelsChanged(List<String> models) {
    if (welcomed) {
      sender.send(new ModelsChanged(models));
    }
  }

  @Override
  public void onOpen(Session s, EndpointConfig config) {
    session = s;
    if (!TcpNoDelay.enable(s)) {
      log(
          LOG,
          Level.FINE,
          "could not turn Nagle off on the relay socket; small frames may be delayed");
    }
    sender = new FrameSender(s, codec);
    lastHeard = System.nanoTime();
    s.addMessageHandler(String.class, (MessageHandler.Whole<String>) this::onText);
    s.addMessageHandler(
        PongMessage.class,
        (MessageHandler.Whole<PongMessage>) pong -> lastHeard = System.nanoTime());
    RelayClient.Registration r = registration.get();
    sender.send(new Hello(protocol, r.connector(), r.models(), r.capacity(), r.apis()));
    log(LOG, Level.FINE, "socket open, hello sent", of("models", r.models()));
  }

  private void onText(String text) {
    lastHeard = System.nanoTime();
    try {
      codec.decodeEach(text, this::onFrame);
    } catch (UnknownFrameTypeException e) {
      log(LOG, Level.FINE, "ignoring a frame of unknown type", of("type", e.type()));
    } catch (ProtocolException e) {
      log(
          LOG,
          Level.WARNING,
          "ignoring an invalid frame from the broker: {0}",
          of("reason", e.getMessage()));
    }
  }

  private void onFrame(Frame frame) {
    if (frame instanceof Request request) {
      if (!welcomed) {
        log(LOG, Level.WARNING, "ignoring a request before welcome");
        return;
      }
      handler.onRequest(request, sender);
    } else if (frame instanceof Cancel cancel) {
      handler.onCancel(cancel);
    } else if (frame instanceof Welcome welcome) {
      onWelcome(welcome);
    } else {
      log(
          LOG,
          Level.FINE,
          "ignoring a frame meant for the broker",
          of("type", frame.getClass().getSimpleName()));
    }
  }

  private void onWelcome(Welcome welcome) {
    if (welcomed || over.get()) {
      return;
    }
    welcomed = true;
    sender.batching(welcome.batches());
    cancel(welcomeTimeout);
    backoff.connected(System.nanoTime());
    events.welcomed();
    long interval = welcome.heartbeatSeconds() * 1_000_000_000L;
    heartbeat =
        timer.scheduleAtFixedRate(
            () -> {
              if (System.nanoTime() - lastHeard > MISSED_HEARTBEATS * interval) {
                lost(
                    "nothing heard from the broker for "
                        + MISSED_HEARTBEATS * welcome.heartbeatSeconds()
                        + " s");
              } else {
                sender.ping();
              }
            },
            interval,
            interval,
            TimeUnit.NANOSECONDS);
    log(
        LOG,
        Level.INFO,
        "registered with the broker",
        of("connector_id", welcome.connectorId()),
        of("heartbeat_s", welcome.heartbeatSeconds()),
        of("protocol", welcome.protocol()),
        of("models", registration.get().models()),
        of("broker_url", brokerUrl));
    // Models may have changed while the link was down; hello already carried the current set.
  }

  @Override
  public void onClose(Session s, CloseReason reason) {
    int code = reason.getCloseCode().getCode();
    String phrase = reason.getReasonPhrase();
    String why =
        "socket closed: " + code + (phrase == null || phrase.isEmpty() ? "" : " " + phrase);
    if (code == CloseReason.CloseCodes.VIOLATED_POLICY.getCode() && !welcomed) {
      why = "the broker refused this connector (1008); check --broker-token";
    }
    if (code == CloseReason.CloseCodes.PROTOCOL_ERROR.getCode() && !welcomed && protocol > 1) {
      // A broker of protocol version 1 refuses any other version with 1002: speak 1 next time.
      versionRefused = true;
      why =
          "the broker does not speak relay protocol "
              + protocol
              + " (1002); retrying with protocol 1";
    }
    lost(why);
  }

  @Override
  public void onError(Session s, Throwable error) {
    String tls = ConnectFailures.tlsProblem(error);
    lost(tls != null ? tls : "socket error: " + ConnectFailures.describe(error));
  }

  /** Ends this link once, whatever noticed first; the client then dials again unless stopping. */
  void lost(String why) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancel(heartbeat);
    cancel(welcomeTimeout);
    backoff.disconnected(System.nanoTime());
    if (sender != null) {
      sender.close();
    }
    Session s = session;
    if (s != null && s.isOpen()) {
      try {
        s.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "reconnecting"));
      } catch (Exception e) {
        // The socket is being abandoned either way; a failed close changes nothing.
      }
    }
    if (welcomed) {
      handler.onDisconnected();
    }
    // A link that never opened offers its version again; one that opened, ours (or 1 if refused).
    int next = session == null ? protocol : versionRefused ? 1 : Frame.PROTOCOL_VERSION;
    events.ended(why, next);
  }

  /** Closes the link on purpose, after the frames already queued, and tells no one. */
  void close(CloseReason reason) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancel(heartbeat);
    cancel(welcomeTimeout);
    Session s = session;
    if (sender != null) {
      sender.closeAfterQueued(reason, Duration.ofSeconds(5));
    }
    if (s != null && s.isOpen()) {
      try {
        s.close(reason);
      } catch (Exception e) {
        // Shutting down: the process ends whether or not the close frame went out.
      }
    }
    handler.onDisconnected();
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }
}
