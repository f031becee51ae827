package io.remotellm.connector.connection;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.client.ClientProperties;
import org.glassfish.tyrus.client.SslEngineConfigurator;
import org.glassfish.tyrus.container.jdk.client.JdkClientContainer;

/**
 * Keeps one registered WebSocket to the broker, forever: dial with the token, {@code hello}, wait
 * for {@code welcome}, ping at the broker's interval, and on any loss (refused, closed, silent)
 * dial again after {@link ReconnectBackoff}'s delay. Each attempt is a {@link BrokerLink}, which
 * runs the session and tells this class when it is welcomed or over. Attempts and heartbeats run on
 * one scheduler thread; frames arrive on Tyrus's threads and go to the {@link RequestHandler}.
 *
 * <p>Given several brokers ({@link BrokerRotation}), it attaches to one at a time; each loss or
 * failed dial moves to the next, after the same backoff, and an attach there starts the backoff
 * afresh, so a connector whose broker died is back on another within the first delay (at most
 * {@code --reconnect-initial}).
 */
public final class RelayClient implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(RelayClient.class.getName());

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
  private final ClientManager client;
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
    ClientEndpointConfig config =
        ClientEndpointConfig.Builder.create()
            .configurator(
                new ClientEndpointConfig.Configurator() {
                  @Override
                  public void beforeRequest(Map<String, List<String>> headers) {
                    headers.put("Authorization", List.of("Bearer " + token));
                  }
                })
            .build();
    log(LOG, Level.FINE, "dialling the broker", of("broker_url", brokerUrl));
    try {
      client.connectToServer(attempt, config, brokerUrl);
      attempt.expectWelcomeWithin(WELCOME_TIMEOUT);
    } catch (Exception e) {
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
