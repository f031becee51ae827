package io.remotellm.connector.connection;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import io.remotellm.connector.config.NoTls;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Keeps one registered WebSocket to the broker, forever: dial with the token, {@code hello}, wait
 * for {@code welcome}, ping at the broker's interval, and on any loss (refused, closed, silent)
 * dial again after {@link ReconnectBackoff}'s delay. Each attempt is a {@link BrokerLink}, which
 * runs the session and tells this class when it is welcomed or over. Attempts and heartbeats run on
 * one scheduler thread; frames arrive on the socket's selector thread and go to the {@link
 * RequestHandler}.
 *
 * <p>The socket is the JDK's {@link java.net.http.WebSocket}, on an {@link HttpClient} of its own
 * whose work runs where it arises (its selector thread, which serves this one socket): nothing the
 * link does there blocks (the handler forwards with {@code sendAsync}, sends are queued), and each
 * read no longer wakes another thread. The JDK client sets TCP_NODELAY on its sockets itself
 * ({@code PlainHttpConnection}), which the relay's small frames need (with Nagle on, the first
 * token of a stream came 40 ms late), and checks the broker's host name against its certificate.
 *
 * <p>Given several brokers ({@link BrokerRotation}), it attaches to one at a time; each loss or
 * failed dial moves to the next, after the same backoff, and an attach there starts the backoff
 * afresh, so a connector whose broker died is back on another within the first delay (at most
 * {@code --reconnect-initial}).
 */
public final class RelayClient implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(RelayClient.class.getName());

  /** How long the TCP connect, TLS handshake and upgrade may take together. */
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** How long the broker may take to say {@code welcome} after the upgrade. */
  private static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(10);

  /** The largest frame taken from the broker: a request with a 64 MiB body, plus framing. */
  static final int MAX_INCOMING_FRAME = 64 * 1024 * 1024 + 64 * 1024;

  /** Who we are and what we serve, as said in {@code hello}. */
  /**
   * What the connector says in {@code hello}.
   *
   * @param apis the API families' wire names its LLM speaks
   */
  public record Registration(
      String connector, List<String> models, int capacity, List<String> apis) {}

  private final BrokerRotation brokers;
  private final String token;
  private final FrameCodec codec;
  private final RequestHandler handler;
  private final ReconnectBackoff backoff;
  private final ScheduledExecutorService timer;
  private final HttpClient client;
  private volatile Registration registration;

  /**
   * The version the next hello offers: our highest, except right after a broker refused it before
   * welcome (a version 1 broker closes with 1002 on any other version); the attempt after that
   * offers ours again, so a broker upgraded meanwhile gets it.
   */
  private volatile int offeredProtocol = Frame.PROTOCOL_VERSION;

  private volatile RelayState state = RelayState.CONNECTING;
  private volatile BrokerLink link;
  private volatile boolean stopped;

  /**
   * @param brokers the brokers to attach to, one at a time
   * @param tls the TLS context for a {@code wss://} broker (its trust managers decide which
   *     certificates are accepted); null for the JDK's default
   */
  public RelayClient(
      BrokerRotation brokers,
      String token,
      Registration registration,
      FrameCodec codec,
      RequestHandler handler,
      ReconnectBackoff backoff,
      ScheduledExecutorService timer,
      SSLContext tls) {
    this.brokers = brokers;
    this.token = token;
    this.registration = registration;
    this.codec = codec;
    this.handler = handler;
    this.backoff = backoff;
    this.timer = timer;
    HttpClient.Builder builder =
        HttpClient.newBuilder().connectTimeout(HANDSHAKE_TIMEOUT).executor(Runnable::run);
    if (tls != null) {
      builder.sslContext(tls);
    } else if (!brokers.anySecure()) {
      // Only ws:// brokers: spare the JDK's default TLS context (about 7 MB), as the LLM's client.
      builder.sslContext(NoTls.CONTEXT).sslParameters(new SSLParameters());
    }
    this.client = builder.build();
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
    registration = new Registration(r.connector(), List.copyOf(models), r.capacity(), r.apis());
    BrokerLink current = link;
    if (current != null) {
      current.modelsChanged(models);
    }
  }

  /** Closes the socket with 1001 (going away) and stops reconnecting. */
  @Override
  public void close() {
    stopped = true;
    state = RelayState.STOPPED;
    BrokerLink current = link;
    if (current != null) {
      current.close(BrokerLink.GOING_AWAY, "connector shutting down");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void connect() {
    if (stopped) {
      return;
    }
    state = RelayState.CONNECTING;
    URI brokerUrl = brokers.current();
    int offered = offeredProtocol;
    BrokerLink attempt =
        new BrokerLink(
            offered,
            () -> registration,
            codec,
            handler,
            backoff,
            timer,
            brokerUrl,
            new BrokerLink.Events() {
              @Override
              public void welcomed() {
                state = RelayState.CONNECTED;
                if (brokers.several()) {
                  backoff.restart();
                }
              }

              @Override
              public void ended(String why, int nextProtocol) {
                offeredProtocol = nextProtocol;
                if (why != null && !stopped) {
                  log(
                      LOG,
                      Level.WARNING,
                      "lost the broker: {0}",
                      of("reason", why),
                      of("broker_url", brokerUrl));
                }
                // A broker that refused our protocol version is asked again in the older one.
                if (brokers.several() && nextProtocol >= offered) {
                  brokers.advance();
                }
                scheduleReconnect();
              }
            });
    link = attempt;
    log(LOG, Level.FINE, "dialling the broker", of("broker_url", brokerUrl));
    try {
      client
          .newWebSocketBuilder()
          .header("Authorization", "Bearer " + token)
          .connectTimeout(HANDSHAKE_TIMEOUT)
          .buildAsync(brokerUrl, attempt)
          .whenComplete(
              (socket, error) -> {
                if (error != null) {
                  ConnectFailures.explain(error, brokerUrl, token);
                  attempt.lost(null);
                } else {
                  attempt.expectWelcomeWithin(WELCOME_TIMEOUT);
                }
              });
    } catch (RuntimeException e) {
      // A URL the JDK client will not dial (checked at start-up, so not expected here).
      ConnectFailures.explain(e, brokerUrl, token);
      attempt.lost(null);
    }
  }

  private void scheduleReconnect() {
    if (stopped) {
      return;
    }
    state = RelayState.RECONNECTING;
    Duration delay = backoff.nextDelay();
    log(
        LOG,
        Level.INFO,
        "reconnecting to the broker in {0} ms",
        of("delay_ms", delay.toMillis()),
        of("attempt", backoff.attempts()),
        of("broker_url", brokers.current()));
    timer.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
  }
}
