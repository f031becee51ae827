package io.remotellm.connector.llm;

import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.Request;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * Forwards requests to an OpenAI-compatible LLM with Jetty's {@link HttpClient} ({@link
 * LlmForwardingClient}), asynchronously: no thread waits on a request. Headers go as the broker
 * sent them, minus hop-by-hop ones; the LLM key (the one the broker injected, else the connector's
 * own) goes as the request's API family expects it: {@code x-api-key} for Anthropic Messages,
 * {@code Authorization: Bearer} for the others; the LLM's status and body come back unchanged,
 * errors included. At most {@code maxConnections} calls run at once, the others wait in line; each
 * call's attempts, retries and failures are its {@link LlmCall}'s.
 */
public final class HttpUpstream implements Upstream {
  /** Per-connection headers (RFC 9110 §7.6.1) and those the client sets itself. */
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

  /** Most request paths whose URI is kept; paths are the clients' to choose, so this is bounded. */
  private static final int MAX_TARGETS = 256;

  /**
   * The LLM's URI per request path without a query: clients use a handful of endpoints, and parsing
   * the URI anew was a fiftieth of the connector's CPU per request (docs/benchmarks.md, issue 17).
   */
  private final Map<String, URI> targets = new ConcurrentHashMap<>();

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

  private URI targetOf(String path, String query) {
    if (query != null) {
      return target(base, path, query);
    }
    URI uri = targets.get(path);
    if (uri == null) {
      uri = target(base, path);
      if (targets.size() < MAX_TARGETS) {
        targets.put(path, uri);
      }
    }
    return uri;
  }

  /** The token of {@code Bearer <token>}; any other value as it is. */
  static String bearerToken(String value) {
    String v = value.strip();
    return v.regionMatches(true, 0, "Bearer ", 0, 7) ? v.substring(7).strip() : v;
  }

  @Override
  public void forward(Request request, AnswerFrames sink) {
    if (!Request.isValidQuery(request.query())) {
      sink.fail(400, "invalid_request_error", "invalid query string");
      return;
    }
    URI uri;
    try {
      uri = targetOf(request.path(), request.query());
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("no host");
      }
    } catch (IllegalArgumentException e) {
      sink.fail(400, "invalid_request_error", "invalid request path");
      return;
    }
    HttpFields headers = headers(request, sink.requestId());
    String method = request.method();
    byte[] body = request.body().isEmpty() ? null : request.body().getBytes(StandardCharsets.UTF_8);
    new LlmCall(
            () -> {
              org.eclipse.jetty.client.Request out =
                  http.newRequest(uri)
                      .method(method)
                      .idleTimeout(0, TimeUnit.MILLISECONDS) // none while in flight, as before
                      .headers(h -> replace(h, headers));
              if (body != null) {
                out.body(new RequestBody(body));
              }
              return out;
            },
            sink,
            this)
        .enter();
  }

  /** Ours win over the client's own (its User-Agent), each name once. */
  private static void replace(HttpFields.Mutable into, HttpFields headers) {
    for (HttpField field : headers) {
      into.put(field);
    }
  }

  /**
   * The headers for the LLM: the broker's, minus hop-by-hop ones, with the key as the request's API
   * family expects it and a content type for a body that has none.
   */
  private HttpFields headers(Request request, String requestId) {
    HttpFields.Mutable out = HttpFields.build(request.headers().size() + 2);
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
      if (!validHeader(name, header.getValue())) {
        continue; // the JDK client refused such a header too; the LLM never saw it
      }
      out.put(name, header.getValue());
      contentType |= name.equals("content-type");
    }
    if (!request.headers().containsKey("x-request-id")) {
      // The same id in every log line and at the LLM: the broker always sends one, a test may not.
      out.put("x-request-id", requestId);
    }
    if (key != null && !key.isEmpty()) {
      // Anthropic's API takes its key in x-api-key; every other family as a bearer token.
      out.put(anthropic ? "x-api-key" : "authorization", anthropic ? key : "Bearer " + key);
    }
    if (!request.body().isEmpty() && !contentType) {
      out.put("content-type", "application/json");
    }
    return out.asImmutable();
  }

  /**
   * A header the request line may carry: an RFC 9110 token for a name and no CR, LF or NUL in the
   * value, so nothing the broker passes on can split the request (the JDK client checked this).
   */
  static boolean validHeader(String name, String value) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        return false;
      }
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        return false;
      }
    }
    return true;
  }
}
