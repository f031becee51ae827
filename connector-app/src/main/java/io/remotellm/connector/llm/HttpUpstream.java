package io.remotellm.connector.llm;

import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.Request;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Forwards requests to an OpenAI-compatible LLM with {@link HttpClient#sendAsync}: no thread waits
 * on a request. Headers go as the broker sent them, minus hop-by-hop ones; the LLM key (the one the
 * broker injected, else the connector's own) goes as the request's API family expects it: {@code
 * x-api-key} for Anthropic Messages, {@code Authorization: Bearer} for the others; the LLM's status
 * and body come back unchanged, errors included. At most {@code maxConnections} calls run at once,
 * the others wait in line; each call's attempts, retries and failures are its {@link LlmCall}'s.
 */
public final class HttpUpstream implements Upstream {
  /** Per-connection headers (RFC 9110 §7.6.1) and those HttpClient sets itself. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "expect",
          "accept-encoding");

  // Package-private: each LlmCall uses them.
  final HttpClient http;
  private final URI base;
  private final String apiKey;
  final Duration timeout;
  final Runnable onUnreachable;
  final LlmConnections connections;
  final ScheduledExecutorService timer;

  /** Calls the LLM is answering right now (its status line came): proof that it is up. */
  final AtomicInteger answering = new AtomicInteger();

  /**
   * @param base the LLM's base URL, no trailing slash
   * @param apiKey sent as a bearer token when the broker injected none; may be null
   * @param timeout how long the LLM may take to start answering
   * @param onUnreachable told when a forward failed for want of the LLM (to re-probe it)
   * @param maxConnections calls to the LLM at once; the rest wait in line
   * @param executor starts a waiting call when a place frees up
   * @param timer waits before a retry, without holding a thread
   */
  public HttpUpstream(
      HttpClient http,
      URI base,
      String apiKey,
      Duration timeout,
      Runnable onUnreachable,
      int maxConnections,
      Executor executor,
      ScheduledExecutorService timer) {
    this.http = http;
    this.base = base;
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.onUnreachable = onUnreachable;
    this.connections = new LlmConnections(maxConnections, executor);
    this.timer = timer;
  }

  /**
   * The base URL joined with the request path; a base ending in /v1 is not doubled by /v1/..., and
   * Ollama's own /api/... goes to the server's root (an Ollama is often given as {@code
   * http://host:11434/v1}, its OpenAI-compatible base).
   */
  static URI target(URI base, String path) {
    String b = base.toString();
    String p = path.startsWith("/") ? path : "/" + path;
    if (b.endsWith("/v1") && (p.startsWith("/v1/") || p.equals("/v1"))) {
      p = p.substring(3);
    } else if (b.endsWith("/v1") && p.startsWith("/api/")) {
      b = b.substring(0, b.length() - 3);
    }
    return URI.create(b + p);
  }

  /**
   * As {@link #target(URI, String)}, with the client's {@code query} (already checked by {@link
   * Request#isValidQuery}) after a {@code ?}; none when null.
   */
  static URI target(URI base, String path, String query) {
    URI target = target(base, path);
    return query == null ? target : URI.create(target + "?" + query);
  }

  /** The token of {@code Bearer <token>}; any other value as it is. */
  static String bearerToken(String value) {
    String v = value.strip();
    return v.regionMatches(true, 0, "Bearer ", 0, 7) ? v.substring(7).strip() : v;
  }

  @Override
  public void forward(Request request, AnswerFrames sink) {
    HttpRequest.Builder builder;
    if (!Request.isValidQuery(request.query())) {
      sink.fail(400, "invalid_request_error", "invalid query string");
      return;
    }
    try {
      builder =
          HttpRequest.newBuilder(target(base, request.path(), request.query())).timeout(timeout);
    } catch (IllegalArgumentException e) {
      sink.fail(400, "invalid_request_error", "invalid request path");
      return;
    }
    boolean hasBody = !request.body().isEmpty();
    builder.method(
        request.method(),
        hasBody
            ? HttpRequest.BodyPublishers.ofString(request.body())
            : HttpRequest.BodyPublishers.noBody());
    boolean anthropic = request.family() == LlmApi.ANTHROPIC;
    String key = apiKey;
    boolean contentType = false;
    for (Map.Entry<String, String> header : request.headers().entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (NOT_FORWARDED.contains(name)) {
        continue;
      }
      if (name.equals("authorization") || name.equals("x-api-key")) {
        // The key the broker injected wins over ours; it goes on below, as the API expects it.
        key = bearerToken(header.getValue());
        continue;
      }
      try {
        builder.header(name, header.getValue());
        contentType |= name.equals("content-type");
      } catch (IllegalArgumentException restricted) {
        // HttpClient refuses a few headers it manages itself; the LLM gets its own values.
      }
    }
    if (!request.headers().containsKey("x-request-id")) {
      // The same id in every log line and at the LLM: the broker always sends one, a test may not.
      builder.header("x-request-id", sink.requestId());
    }
    if (key != null && !key.isEmpty()) {
      // Anthropic's API takes its key in x-api-key; every other family as a bearer token.
      builder.header(anthropic ? "x-api-key" : "authorization", anthropic ? key : "Bearer " + key);
    }
    if (hasBody && !contentType) {
      builder.header("content-type", "application/json");
    }

    new LlmCall(builder.build(), sink, this).enter();
  }
}
