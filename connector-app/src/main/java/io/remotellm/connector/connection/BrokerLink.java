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
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
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
 *
 * <p>The JDK's {@link WebSocket} calls it one event at a time and delivers a message in the pieces
 * it arrives in; they are gathered here (linearly, each piece appended once) and every piece asked
 * for after the last was handled, so the broker's frames are handled in order, one at a time. Any
 * piece, ping or pong counts as hearing the broker: a large frame still arriving is not silence.
 */
final class BrokerLink implements WebSocket.Listener {

  // The relay client's logger: these lines are its story, and operators filter on it.
  private static final Logger LOG = Logger.getLogger(RelayClient.class.getName());

  /** Heartbeats missed before the link counts as dead. */
  private static final int MISSED_HEARTBEATS = 3;

  static final int GOING_AWAY = 1001;
  private static final int PROTOCOL_ERROR = 1002;
  private static final int VIOLATED_POLICY = 1008;

  /**
   * The close for a frame over our bound. Not 1009 ("too big"), which RFC 6455 would suggest: the
   * JDK's client refuses to send 1009 (and 1002, 1003, 1007, 1010), failing the close, so the
   * broker saw no close at all, only the socket dropped 5 s later (1006). {@code
   * BrokerFrameBoundIT}.
   */
  private static final int TOO_BIG = VIOLATED_POLICY;

  /** How long a close may wait for the broker's answer before the socket is dropped. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

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
  private volatile WebSocket socket;
  private volatile FrameSender sender;

  /** The pieces so far of a message that came in several; null between messages. */
  private StringBuilder partial;

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
  public void onOpen(WebSocket ws) {
    socket = ws;
    if (over.get()) {
      // Closed (the connector stopping) while it dialled: leave at once.
      ws.sendClose(GOING_AWAY, "connector shutting down");
      dropLater(ws);
      return;
    }
    sender = new FrameSender(ws, codec);
    lastHeard = System.nanoTime();
    RelayClient.Registration r = registration.get();
    sender.send(new Hello(protocol, r.connector(), r.models(), r.capacity(), r.apis()));
    log(LOG, Level.FINE, "socket open, hello sent", of("models", r.models()));
    ws.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    lastHeard = System.nanoTime();
    if (last && partial == null) {
      onMessage(data.toString());
    } else {
      if (partial == null) {
        partial = new StringBuilder(Math.max(data.length() * 2, 1024));
      }
      // Chars never outnumber the bytes they came in, so this bounds the frame's size too.
      if (partial.length() + data.length() > RelayClient.MAX_INCOMING_FRAME) {
        partial = null;
        end(
            "a frame from the broker over " + RelayClient.MAX_INCOMING_FRAME + " bytes",
            TOO_BIG,
            "frame too big");
        return null;
      }
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial = null;
        onMessage(text);
      }
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
    lastHeard = System.nanoTime();
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
    lastHeard = System.nanoTime(); // the JDK answers with a pong itself
    ws.request(1);
    return null;
  }

  private void onMessage(String text) {
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
    sender.binary(welcome.binary());
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
  public CompletionStage<?> onClose(WebSocket ws, int code, String phrase) {
    String why =
        "socket closed: " + code + (phrase == null || phrase.isEmpty() ? "" : " " + phrase);
    if (code == VIOLATED_POLICY && !welcomed) {
      why = "the broker refused this connector (1008); check --broker-token";
    }
    if (code == PROTOCOL_ERROR && !welcomed && protocol > 1) {
      // A broker of protocol version 1 refuses any other version with 1002: speak 1 next time.
      versionRefused = true;
      why =
          "the broker does not speak relay protocol "
              + protocol
              + " (1002); retrying with protocol 1";
    }
    lost(why);
    return null; // the JDK then answers the broker's close with the same code
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    String tls = ConnectFailures.tlsProblem(error);
    lost(tls != null ? tls : "socket error: " + ConnectFailures.describe(error));
  }

  /** Ends this link once, whatever noticed first; the client then dials again unless stopping. */
  void lost(String why) {
    end(why, GOING_AWAY, "reconnecting");
  }

  private void end(String why, int code, String reason) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancel(heartbeat);
    cancel(welcomeTimeout);
    backoff.disconnected(System.nanoTime());
    if (sender != null) {
      sender.close();
    }
    WebSocket s = socket;
    if (s != null) {
      if (!s.isInputClosed()) {
        // After the broker's own close the JDK answers it; otherwise say goodbye first.
        s.sendClose(code, reason);
      }
      dropLater(s);
    }
    if (welcomed) {
      handler.onDisconnected();
    }
    // A link that never opened offers its version again; one that opened, ours (or 1 if refused).
    int next = s == null ? protocol : versionRefused ? 1 : Frame.PROTOCOL_VERSION;
    events.ended(why, next);
  }

  /** Closes the link on purpose, after the frames already queued, and tells no one. */
  void close(int code, String reason) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    cancel(heartbeat);
    cancel(welcomeTimeout);
    WebSocket s = socket;
    if (sender != null) {
      sender.closeAfterQueued(code, reason, CLOSE_GRACE);
    } else if (s != null && !s.isOutputClosed()) {
      s.sendClose(code, reason);
    }
    handler.onDisconnected();
  }

  /** Drops the socket if the broker has not answered our close (or it is stuck mid-frame) soon. */
  private void dropLater(WebSocket s) {
    try {
      timer.schedule(s::abort, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      s.abort();
    }
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }
}
