package io.remotellm.connector.connection;

import static io.remotellm.connector.logging.LogField.log;
import static io.remotellm.connector.logging.LogField.of;

import io.remotellm.protocol.Fingerprint;
import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ModelsChanged;
import io.remotellm.protocol.ProtocolException;
import io.remotellm.protocol.Request;
import io.remotellm.protocol.UnknownFrameTypeException;
import io.remotellm.protocol.Welcome;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.net.URI;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.client.ClientProperties;
import org.glassfish.tyrus.client.SslEngineConfigurator;
import org.glassfish.tyrus.container.jdk.client.JdkClientContainer;

/**
 * Keeps one registered WebSocket to the broker, forever: dial with the token, {@code hello}, wait
 * for {@code welcome}, ping at the broker's interval, and on any loss (refused, closed, silent)
 * dial again after {@link ReconnectBackoff}'s delay. Attempts and heartbeats run on one scheduler
 * thread; frames arrive on Tyrus's threads and go to the {@link RequestHandler}.
 */
public final class RelayClient implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(RelayClient.class.getName());
  /** How long the broker may take to say {@code welcome} after the upgrade. */
  private static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(10);
  /** Heartbeats missed before the link counts as dead. */
  private static final int MISSED_HEARTBEATS = 3;
  /** The largest frame taken from the broker: a request with a 64 MiB body, plus framing. */
  static final int MAX_INCOMING_FRAME = 64 * 1024 * 1024 + 64 * 1024;

  /** Who we are and what we serve, as said in {@code hello}. */
  public record Registration(String connector, List<String> models, int capacity) {}

  private final URI brokerUrl;
  private final String token;
  private final FrameCodec codec;
  private final RequestHandler handler;
  private final ReconnectBackoff backoff;
  private final ScheduledExecutorService timer;
  private final ClientManager client;
  private volatile Registration registration;
  /**
   * The version the next hello offers: our highest, except right after a broker refused it before
   * welcome (a version 1 broker closes with 1002 on any other version); the attempt after that
   * offers ours again, so a broker upgraded meanwhile gets it.
   */
  private volatile int offeredProtocol = Frame.PROTOCOL_VERSION;
  private volatile RelayState state = RelayState.CONNECTING;
  private volatile Link link;
  private volatile boolean stopped;

  /**
   * @param tls the TLS context for a {@code wss://} broker (its trust managers decide which
   *     certificates are accepted); null for the JDK's default
   */
  public RelayClient(URI brokerUrl, String token, Registration registration, FrameCodec codec,
      RequestHandler handler, ReconnectBackoff backoff, ScheduledExecutorService timer, SSLContext tls) {
    this.brokerUrl = brokerUrl;
    this.token = token;
    this.registration = registration;
    this.codec = codec;
    this.handler = handler;
    this.backoff = backoff;
    this.timer = timer;
    this.client = ClientManager.createClient(JdkClientContainer.class.getName());
    client.getProperties().put(ClientProperties.HANDSHAKE_TIMEOUT, 10_000);
    // Tyrus's default (4 MB) closes the whole link with 1011 on one large request; the broker
    // bounds request bodies itself, so the connector accepts any frame up to this size.
    client.getProperties().put(ClientProperties.INCOMING_BUFFER_SIZE, MAX_INCOMING_FRAME);
    if (tls != null) {
      SslEngineConfigurator ssl = new SslEngineConfigurator(tls, true, false, false);
      // Tyrus checks the broker's host name against its certificate by default; it must stay so.
      ssl.setHostVerificationEnabled(true);
      client.getProperties().put(ClientProperties.SSL_ENGINE_CONFIGURATOR, ssl);
    }
  }

  public void start() {
    timer.execute(this::connect);
  }

  public RelayState state() {
    return state;
  }

  public boolean connected() {
    return state == RelayState.CONNECTED;
  }

  /** Tells the broker the served models changed (and remembers them for the next hello). */
  public void updateModels(List<String> models) {
    Registration r = registration;
    registration = new Registration(r.connector(), List.copyOf(models), r.capacity());
    Link current = link;
    if (current != null && current.welcomed) {
      current.sender.send(new ModelsChanged(models));
    }
  }

  /** Closes the socket with 1001 (going away) and stops reconnecting. */
  @Override
  public void close() {
    stopped = true;
    state = RelayState.STOPPED;
    Link current = link;
    if (current != null) {
      current.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "connector shutting down"));
    }
    client.shutdown();
  }

  // ---------------------------------------------------------------------------------------------

  private void connect() {
    if (stopped) {
      return;
    }
    state = RelayState.CONNECTING;
    Link attempt = new Link();
    link = attempt;
    ClientEndpointConfig config = ClientEndpointConfig.Builder.create()
        .configurator(new ClientEndpointConfig.Configurator() {
          @Override
          public void beforeRequest(Map<String, List<String>> headers) {
            headers.put("Authorization", List.of("Bearer " + token));
          }
        })
        .build();
    log(LOG, Level.FINE, "dialling the broker", of("broker_url", brokerUrl));
    try {
      client.connectToServer(attempt, config, brokerUrl);
      attempt.welcomeTimeout = timer.schedule(() -> {
        if (!attempt.welcomed) {
          attempt.lost("no welcome from the broker within " + WELCOME_TIMEOUT.toSeconds() + " s");
        }
      }, WELCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      int status = UpgradeRefusal.status(e);
      String tls = tlsProblem(e);
      if (tls != null) {
        log(LOG, Level.WARNING, "{0}; retrying", of("reason", tls), of("broker_url", brokerUrl));
      } else if (status == 401 || status == 403) {
        log(LOG, Level.WARNING,
            "the broker refused the token of this connector (HTTP {0}); check --broker-token; retrying",
            of("status", status), of("token_fp", Fingerprint.of(token)), of("broker_url", brokerUrl));
      } else if (status == 429) {
        log(LOG, Level.WARNING,
            "the broker is holding off logins from this address after failed ones (HTTP 429); retrying",
            of("status", status), of("broker_url", brokerUrl));
      } else if (status == 503) {
        log(LOG, Level.WARNING,
            "the broker is not taking connectors now, e.g. shutting down (HTTP 503); retrying",
            of("status", status), of("broker_url", brokerUrl));
      } else {
        log(LOG, Level.WARNING, "cannot reach the broker: {0}",
            of("reason", describe(e)), of("broker_url", brokerUrl));
      }
      attempt.lost(null);
    }
  }

  private void scheduleReconnect() {
    if (stopped) {
      return;
    }
    state = RelayState.RECONNECTING;
    Duration delay = backoff.nextDelay();
    log(LOG, Level.INFO, "reconnecting to the broker in {0} ms",
        of("delay_ms", delay.toMillis()), of("attempt", backoff.attempts()));
    timer.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * One line for an operator when the connection failed on TLS (the usual cause: a self-signed or
   * private-CA certificate and no {@code --ca-cert}), else null.
   */
  static String tlsProblem(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof CertPathBuilderException || message.contains("PKIX path building failed")
          || message.contains("unable to find valid certification path")) {
        return "TLS: the broker's certificate is not trusted (PKIX path building failed);"
            + " pass --ca-cert (or --truststore) with the CA that signed it";
      }
      if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException
          || message.contains("validity check failed")) {
        return "TLS: the broker's certificate is outside its validity period (" + message + ")";
      }
      if (message.contains("No subject alternative") || message.contains("No name matching")
          || message.contains("host name verification") || message.contains("HostnameVerifier")) {
        return "TLS: the broker's certificate does not name this host (" + message + ")";
      }
    }
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SSLException) {
        return "TLS: the handshake with the broker failed (" + describe(t) + ")";
      }
    }
    return null;
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** One connection attempt and, if it succeeds, its session; callbacks from old links are ignored. */
  private final class Link extends Endpoint {
    private final AtomicBoolean over = new AtomicBoolean();
    private volatile Session session;
    private volatile FrameSender sender;
    private volatile boolean welcomed;
    /** The version this link's hello offered. */
    private volatile int protocol = Frame.PROTOCOL_VERSION;
    private volatile long lastHeard = System.nanoTime();
    private volatile ScheduledFuture<?> heartbeat;
    private volatile ScheduledFuture<?> welcomeTimeout;

    @Override
    public void onOpen(Session s, EndpointConfig config) {
      session = s;
      if (!TcpNoDelay.enable(s)) {
        log(LOG, Level.FINE, "could not turn Nagle off on the relay socket; small frames may be delayed");
      }
      sender = new FrameSender(s, codec);
      lastHeard = System.nanoTime();
      s.addMessageHandler(String.class, (MessageHandler.Whole<String>) this::onText);
      s.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> lastHeard = System.nanoTime());
      Registration r = registration;
      protocol = offeredProtocol;
      offeredProtocol = Frame.PROTOCOL_VERSION;
      sender.send(new Hello(protocol, r.connector(), r.models(), r.capacity()));
      log(LOG, Level.FINE, "socket open, hello sent", of("models", r.models()));
    }

    private void onText(String text) {
      lastHeard = System.nanoTime();
      try {
        codec.decodeEach(text, this::onFrame);
      } catch (UnknownFrameTypeException e) {
        log(LOG, Level.FINE, "ignoring a frame of unknown type", of("type", e.type()));
      } catch (ProtocolException e) {
        log(LOG, Level.WARNING, "ignoring an invalid frame from the broker: {0}",
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
        log(LOG, Level.FINE, "ignoring a frame meant for the broker", of("type", frame.getClass().getSimpleName()));
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
      state = RelayState.CONNECTED;
      long interval = welcome.heartbeatSeconds() * 1_000_000_000L;
      heartbeat = timer.scheduleAtFixedRate(() -> {
        if (System.nanoTime() - lastHeard > MISSED_HEARTBEATS * interval) {
          lost("nothing heard from the broker for " + MISSED_HEARTBEATS * welcome.heartbeatSeconds() + " s");
        } else {
          sender.ping();
        }
      }, interval, interval, TimeUnit.NANOSECONDS);
      log(LOG, Level.INFO, "registered with the broker",
          of("connector_id", welcome.connectorId()), of("heartbeat_s", welcome.heartbeatSeconds()),
          of("protocol", welcome.protocol()),
          of("models", registration.models()), of("broker_url", brokerUrl));
      // Models may have changed while the link was down; hello already carried the current set.
    }

    @Override
    public void onClose(Session s, CloseReason reason) {
      String why = "socket closed: " + reason.getCloseCode().getCode()
          + (reason.getReasonPhrase() == null || reason.getReasonPhrase().isEmpty() ? "" : " " + reason.getReasonPhrase());
      if (reason.getCloseCode().getCode() == CloseReason.CloseCodes.VIOLATED_POLICY.getCode() && !welcomed) {
        why = "the broker refused this connector (1008); check --broker-token";
      }
      if (reason.getCloseCode().getCode() == CloseReason.CloseCodes.PROTOCOL_ERROR.getCode() && !welcomed
          && protocol > 1) {
        // A broker of protocol version 1 refuses any other version with 1002: speak 1 next time.
        offeredProtocol = 1;
        why = "the broker does not speak relay protocol " + protocol + " (1002); retrying with protocol 1";
      }
      lost(stopped ? null : why);
    }

    @Override
    public void onError(Session s, Throwable error) {
      String tls = tlsProblem(error);
      lost(tls != null ? tls : "socket error: " + describe(error));
    }

    /** Ends this link once, whatever noticed first, and dials again unless stopping. */
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
      if (why != null && !stopped) {
        log(LOG, Level.WARNING, "lost the broker: {0}", of("reason", why), of("broker_url", brokerUrl));
      }
      scheduleReconnect();
    }

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

    private void cancel(ScheduledFuture<?> future) {
      if (future != null) {
        future.cancel(false);
      }
    }
  }
}
