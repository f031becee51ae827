package io.remotellm.broker.relay;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands a connector's address from {@link ConnectorLoginFilter} (a servlet filter, which knows the
 * caller) to {@link ConnectorHandshakeConfigurator} (which the WebSocket API tells nothing of the
 * caller), keyed by the handshake's {@code Sec-WebSocket-Key}: a fresh random value per upgrade
 * that both see. Not a header the filter adds for the configurator to read, since a client could
 * send that header itself on a server that ran the upgrade before the filter. An entry lives from
 * the filter to the handshake, a few milliseconds; one left by an upgrade that failed in between is
 * cleared with the rest when the map reaches its bound, so it never grows with abuse.
 */
@ApplicationScoped
public class HandshakeAddresses {

  /** Upgrades in progress at once; far above what a broker sees. */
  private static final int MAX = 1024;

  private final Map<String, String> byKey = new ConcurrentHashMap<>();

  /** The filter saw {@code address} open the handshake with {@code webSocketKey}. */
  void remember(String webSocketKey, String address) {
    if (webSocketKey == null || address == null) {
      return;
    }
    if (byKey.size() >= MAX) {
      byKey.clear(); // only leftovers of failed upgrades, or a flood: either may go
    }
    byKey.put(webSocketKey, address);
  }

  /** The address the filter saw for this handshake, once; "unknown" if it saw none. */
  String take(String webSocketKey) {
    String address = webSocketKey == null ? null : byKey.remove(webSocketKey);
    return address == null ? "unknown" : address;
  }
}
