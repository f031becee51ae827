package io.remotellm.broker.cluster;

import io.remotellm.broker.config.BrokerSettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * This broker's peer links, one per other broker it forwards to, opened on the first forward to
 * that broker and dialled again on the next forward after one drops. A forward finds either an open
 * link or none: while a link is being dialled, or after a dial failed (retried at most every {@link
 * #RETRY_MILLIS}), the forward takes the HTTP call instead, so no request waits for a dial. {@code
 * remotellm.broker.cluster-peer-link=false} turns the links off (HTTP only).
 */
@ApplicationScoped
public class PeerLinks {
  static final long RETRY_MILLIS = 5_000;
  static final long DROPPED_PAUSE_MILLIS = 1_000;
  static final String ENABLED = "remotellm.broker.cluster-peer-link";
  private static final Logger LOG = Logger.getLogger(PeerLinks.class.getName());

  @Inject ForwardSignature signature;
  @Inject BrokerSettings settings;

  @Inject
  @ConfigProperty(name = ENABLED, defaultValue = "true")
  boolean enabled;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(ClusterForwarding.CONNECT_TIMEOUT).build();
  private final Map<String, PeerLink> links = new ConcurrentHashMap<>();
  private final Map<String, Long> notBefore = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  /** The open link to the broker at {@code url}, or empty (and a dial started) if none is. */
  Optional<PeerLink> link(String url) {
    if (!enabled) {
      return Optional.empty();
    }
    PeerLink link = links.get(url);
    if (link != null) {
      return link.open() ? Optional.of(link) : Optional.empty();
    }
    Long wait = notBefore.get(url);
    if (wait != null && System.currentTimeMillis() < wait) {
      return Optional.empty();
    }
    PeerLink dialling =
        new PeerLink(
            url, settings.upstreamTimeout().plus(ClusterForwarding.CONNECT_TIMEOUT), this::dropped);
    if (links.putIfAbsent(url, dialling) == null) {
      dial(dialling);
    }
    return Optional.empty();
  }

  private void dial(PeerLink link) {
    String url = link.url();
    WebSocket.Builder builder = http.newWebSocketBuilder();
    PeerLinkHandshake.headers(signature, System.currentTimeMillis()).forEach(builder::header);
    builder
        .buildAsync(URI.create(url.replaceFirst("^http", "ws") + PeerLinkEndpoint.PATH), link)
        .whenComplete(
            (ws, error) -> {
              if (error != null) {
                links.remove(url, link);
                notBefore.put(url, System.currentTimeMillis() + RETRY_MILLIS);
                LOG.log(
                    Level.WARNING,
                    "cluster: cannot open a peer link to {0} (forwarding over HTTP): {1}",
                    new Object[] {url, error.toString()});
              } else {
                notBefore.remove(url);
                LOG.log(Level.INFO, "cluster: peer link to {0} open", url);
                sweepLater();
              }
            });
  }

  /** Once a second while any link is open: fail the requests whose answer is overdue. */
  private void sweepLater() {
    if (sweeping.compareAndSet(false, true)) {
      CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(this::sweep);
    }
  }

  private void sweep() {
    sweeping.set(false);
    long now = System.nanoTime();
    links.values().forEach(link -> link.expire(now));
    if (!links.isEmpty()) {
      sweepLater();
    }
  }

  /**
   * Dialled again on a forward after a pause: a peer that refuses at once is not redialled per
   * request.
   */
  private void dropped(PeerLink link) {
    if (links.remove(link.url(), link)) {
      notBefore.put(link.url(), System.currentTimeMillis() + DROPPED_PAUSE_MILLIS);
    }
  }

  @PreDestroy
  void closeAll() {
    links.values().forEach(PeerLink::close);
    links.clear();
  }
}
