package io.remotellm.broker.cluster;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Checks a peer broker's signed upgrade ({@link PeerLinkHandshake}) and leaves the verdict in the
 * user properties, which the new session gets a copy of; {@link PeerLinkEndpoint} closes a session
 * without it (1008) before reading a frame. Connector tokens mean nothing here.
 */
public class PeerLinkConfigurator extends ServerEndpointConfig.Configurator {
  static final String ACCEPTED = "io.remotellm.broker.peer-link-accepted";
  private static final Logger LOG = Logger.getLogger(PeerLinkConfigurator.class.getName());

  @Override
  public void modifyHandshake(
      ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
    // Never let one handshake's verdict stand for another's, whatever the container shares.
    config.getUserProperties().remove(ACCEPTED);
    // Configurators are not CDI beans on every server; look the beans up explicitly.
    boolean clustered = CDI.current().select(ClusterGrid.class).get().clustered();
    String why =
        clustered
            ? PeerLinkHandshake.refusal(
                CDI.current().select(ForwardSignature.class).get(),
                request.getHeaders(),
                System.currentTimeMillis())
            : "this broker is not clustered";
    if (why == null) {
      config.getUserProperties().put(ACCEPTED, Boolean.TRUE);
    } else {
      LOG.log(Level.WARNING, "cluster: refused a peer link: {0}", why);
    }
  }
}
