package io.remotellm.broker.relay;

import io.remotellm.broker.auth.ConnectorCredential;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.protocol.Fingerprint;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Checks the connector's {@code Authorization: Bearer <token>} at the upgrade. The verdict goes
 * into the user properties, which WebSocket 2.1 copies into the new session; the endpoint closes a
 * session without a credential (1008) before it can register a model.
 */
public class ConnectorHandshakeConfigurator extends ServerEndpointConfig.Configurator {

  static final String CREDENTIAL = "io.remotellm.broker.connector-credential";
  static final String ADDRESS = "io.remotellm.broker.connector-address";
  private static final Logger LOG =
      Logger.getLogger(ConnectorHandshakeConfigurator.class.getName());

  @Override
  public void modifyHandshake(
      ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
    // Never let one handshake's verdict stand for another's, whatever the container shares.
    config.getUserProperties().remove(CREDENTIAL);
    config
        .getUserProperties()
        .put(
            ADDRESS,
            CDI.current()
                .select(HandshakeAddresses.class)
                .get()
                .take(header(request.getHeaders(), "sec-websocket-key")));
    String header = header(request.getHeaders(), "authorization");
    // Configurators are not CDI beans on every server; look the credentials up explicitly.
    Optional<ConnectorCredential> credential =
        CDI.current().select(Credentials.class).get().connector(header);
    if (credential.isPresent()) {
      config.getUserProperties().put(CREDENTIAL, credential.get());
    } else {
      LOG.log(Level.WARNING, "connector refused: {0}", refusal(header));
    }
  }

  /**
   * Why a connector's {@code Authorization} header was refused, with a fingerprint, never the
   * token.
   */
  static String refusal(String header) {
    return header == null
        ? "no Authorization header"
        : "unknown token "
            + Credentials.bearer(header).map(Fingerprint::of).orElse("(not a bearer token)");
  }

  private static String header(Map<String, List<String>> headers, String name) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }
}
