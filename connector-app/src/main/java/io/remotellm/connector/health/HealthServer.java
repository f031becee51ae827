package io.remotellm.connector.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonArrayBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves {@code GET /health} → {@code {"status","relay_connected","relay_state","llm_available",
 * "models","uptime_seconds","apis"}}, 503 when the relay is down, and {@code GET /ready} → {@code
 * {"ready","relay_connected","llm_available"}}, 503 unless both are up. One thread: the answers are
 * computed from memory.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private final Supplier<HealthSnapshot> state;

  public HealthServer(int port, Supplier<HealthSnapshot> state) throws IOException {
    // The JDK server writes headers and body separately; with Nagle on, a kept-alive client's
    // next request waited for the delayed ACK: 44 ms per /health call, measured. Read once, when
    // the server classes load, so it is set before the first one is made.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    this.state = state;
    this.server = HttpServer.create(new InetSocketAddress(port), 16);
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "health-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/health", this::health);
    server.createContext("/ready", this::ready);
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void health(HttpExchange exchange) throws IOException {
    HealthSnapshot s = state.get();
    JsonArrayBuilder models = SharedJsonProvider.INSTANCE.createArrayBuilder();
    s.models().forEach(models::add);
    String body =
        SharedJsonProvider.INSTANCE
            .createObjectBuilder()
            .add("status", s.relayConnected() ? "healthy" : "unhealthy")
            .add("relay_connected", s.relayConnected())
            .add("relay_state", s.relayState())
            .add("llm_available", s.llmAvailable())
            .add("models", models)
            .add("uptime_seconds", s.uptimeSeconds())
            .add("apis", SharedJsonProvider.INSTANCE.createArrayBuilder(s.apis()))
            .build()
            .toString();
    respond(exchange, s.relayConnected() ? 200 : 503, body);
  }

  private void ready(HttpExchange exchange) throws IOException {
    HealthSnapshot s = state.get();
    String body =
        SharedJsonProvider.INSTANCE
            .createObjectBuilder()
            .add("ready", s.ready())
            .add("relay_connected", s.relayConnected())
            .add("llm_available", s.llmAvailable())
            .build()
            .toString();
    respond(exchange, s.ready() ? 200 : 503, body);
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
