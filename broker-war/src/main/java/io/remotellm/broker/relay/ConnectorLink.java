package io.remotellm.broker.relay;

import io.remotellm.broker.auth.ConnectorCredential;
import io.remotellm.broker.routing.Route;
import io.remotellm.protocol.LlmApi;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One attached connector: its socket, its token's grant, what it said in {@code hello} and the
 * models it serves. The requests it is answering are the {@link Dispatcher}'s to know; how many
 * there are is the router's to count.
 */
public final class ConnectorLink implements Route {

  private final String id;
  private volatile ConnectorCredential credential;
  private final ConnectorSocket socket;
  private volatile Set<String> models = Set.of();
  private volatile Set<LlmApi> apis = LlmApi.DEFAULT;
  private volatile String name = "unknown";
  private volatile String address = "unknown";
  private volatile int capacity = 1;
  private volatile boolean open = true;
  private volatile long lastHeardNanos = System.nanoTime();
  private volatile long pingSentNanos;
  private volatile long roundTripNanos = -1;
  private volatile int protocol;
  private final Instant connectedSince = Instant.now();
  private final AtomicInteger invalidFrames = new AtomicInteger();

  public ConnectorLink(String id, ConnectorCredential credential, ConnectorSocket socket) {
    this.id = id;
    this.credential = credential;
    this.socket = socket;
  }

  @Override
  public String id() {
    return id;
  }

  /** Fingerprint of the token it used: how logs name it without the secret. */
  public String fingerprint() {
    return credential.fingerprint();
  }

  public Optional<String> llmApiKey() {
    return credential.llmApiKey();
  }

  /** The token's grant this link runs under. */
  public ConnectorCredential credential() {
    return credential;
  }

  /** The same token's grant after a reload of the connector config, e.g. with a new LLM key. */
  void credential(ConnectorCredential current) {
    this.credential = current;
  }

  @Override
  public Set<String> models() {
    return models;
  }

  public void models(List<String> served) {
    this.models = Set.copyOf(served);
  }

  public String name() {
    return name;
  }

  /**
   * Where the link came from: the socket's remote address, or behind a trusted reverse proxy the
   * address it names; "unknown" when the server upgraded before the login filter saw the caller.
   */
  public String address() {
    return address;
  }

  void address(String address) {
    this.address = address;
  }

  public int capacity() {
    return capacity;
  }

  @Override
  public Set<LlmApi> apis() {
    return apis;
  }

  void hello(String connectorName, int capacity, Set<LlmApi> offered, int protocol) {
    this.name = connectorName;
    this.capacity = capacity;
    this.apis = Set.copyOf(offered);
    this.protocol = protocol;
  }

  /** The protocol version agreed in {@code welcome}; 0 before {@code hello}. */
  public int protocol() {
    return protocol;
  }

  /** When its socket opened. */
  public Instant connectedSince() {
    return connectedSince;
  }

  /** The last heartbeat's round trip in nanoseconds, or -1 before the first pong. */
  public long roundTripNanos() {
    return roundTripNanos;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  void markClosed() {
    open = false;
  }

  /** Counts a frame that could not be read; returns how many this link has sent so far. */
  int invalidFrame() {
    return invalidFrames.incrementAndGet();
  }

  void heard() {
    lastHeardNanos = System.nanoTime();
  }

  /** A heartbeat ping is about to go out: its pong measures the link's round trip. */
  void pinging() {
    pingSentNanos = System.nanoTime();
  }

  /** A pong came: the link is alive. Returns the round trip since the last ping, or -1. */
  long ponged() {
    long now = System.nanoTime();
    lastHeardNanos = now;
    long sent = pingSentNanos;
    pingSentNanos = 0;
    if (sent == 0) {
      return -1;
    }
    roundTripNanos = now - sent;
    return roundTripNanos;
  }

  long lastHeardNanos() {
    return lastHeardNanos;
  }

  CompletionStage<Void> send(String text) {
    return socket.send(text);
  }

  ConnectorSocket socket() {
    return socket;
  }

  @Override
  public String toString() {
    return "connector " + id + " (" + credential.fingerprint() + ")";
  }
}
