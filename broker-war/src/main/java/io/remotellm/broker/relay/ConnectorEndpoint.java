package io.remotellm.broker.relay;

import io.remotellm.broker.auth.ConnectorCredential;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.metrics.BrokerMetrics;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The relay socket connectors dial into: one endpoint instance per connector connection.
 * {@code @Dependent} makes it a CDI bean under annotated discovery, so every server injects it
 * (Open Liberty otherwise tries non-CDI injection, fails, and leaves the fields null).
 */
@Dependent
@ServerEndpoint(value = "/ws", configurator = ConnectorHandshakeConfigurator.class)
public class ConnectorEndpoint {

  private static final Logger LOG = Logger.getLogger(ConnectorEndpoint.class.getName());

  @Inject ConnectorRegistry registry;
  @Inject BrokerSettings settings;
  @Inject BrokerMetrics metrics;
  @Inject Credentials credentials;

  private volatile ConnectorLink link;

  @OnOpen
  public void open(Session session, EndpointConfig config) throws IOException {
    Object credential = session.getUserProperties().get(ConnectorHandshakeConfigurator.CREDENTIAL);
    if (!(credential instanceof ConnectorCredential granted)) {
      // 1008 before welcome: a bad token never gets to register a model.
      session.close(
          new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "invalid connector token"));
      return;
    }
    if (!credentials.revocationsKnown()) {
      // The login filter answers 503 first; this is for a server that upgrades before it.
      session.close(
          new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "revocations not read yet"));
      return;
    }
    if (!registry.accepting()) {
      // Connectors closed by the drain redial within seconds: send them on, not back in.
      session.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "broker shutting down"));
      return;
    }
    session.setMaxTextMessageBufferSize(settings.maxFrameBytes());
    // A version 3 connector sends binary messages (the UTF-8 of the same text): the same bound.
    session.setMaxBinaryMessageBufferSize(settings.maxFrameBytes());
    // Liveness is the heartbeat's job; an idle but healthy connector must not be timed out.
    session.setMaxIdleTimeout(0);
    link =
        new ConnectorLink(
            UUID.randomUUID().toString(), granted, new SessionConnectorSocket(session));
    if (session.getUserProperties().get(ConnectorHandshakeConfigurator.ADDRESS)
        instanceof String address) {
      link.address(address);
    }
    LOG.log(
        Level.INFO,
        "connector {0} connected from {1} with token {2}, waiting for hello",
        new Object[] {link.id(), link.address(), granted.fingerprint()});
  }

  @OnMessage
  public void text(String text) {
    ConnectorLink current = link;
    if (current != null) {
      registry.onText(current, text);
    }
  }

  /** Protocol 3: a binary message is the UTF-8 of the text message it stands for. */
  @OnMessage
  public void binary(byte[] bytes) {
    ConnectorLink current = link;
    if (current != null) {
      registry.onBinary(current, bytes);
    }
  }

  @OnMessage
  public void pong(PongMessage pong) {
    ConnectorLink current = link;
    if (current != null) {
      long roundTrip = current.ponged();
      if (roundTrip >= 0) {
        metrics.roundTrip(roundTrip);
      }
    }
  }

  @OnClose
  public void close(CloseReason reason) {
    ConnectorLink current = link;
    if (current != null) {
      registry.onClosed(
          current,
          "socket closed ("
              + reason.getCloseCode().getCode()
              + " "
              + reason.getReasonPhrase()
              + ")");
    }
  }

  @OnError
  public void error(Throwable error) {
    ConnectorLink current = link;
    LOG.log(
        Level.WARNING,
        "connector {0}: socket error {1}",
        new Object[] {current == null ? "(unregistered)" : current.id(), error.toString()});
    if (current != null) {
      registry.onClosed(current, "socket error");
    }
  }
}
