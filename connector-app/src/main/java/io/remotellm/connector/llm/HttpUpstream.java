package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;
import static io.remotellm.connector.logging.JsonField.requestId;

import io.remotellm.protocol.Request;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Forwards requests to an OpenAI-compatible LLM with {@link HttpClient#sendAsync}: no thread waits
 * on a request. Headers go as the broker sent them (its injected key included), minus hop-by-hop
 * ones; the LLM's status and body come back unchanged, errors included.
 */
public final class HttpUpstream implements Upstream {
  private static final Logger LOG = Logger.getLogger(HttpUpstream.class.getName());

  /** Per-connection headers (RFC 9110 §7.6.1) and those HttpClient sets itself. */
  private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
      "host", "content-length", "expect", "accept-encoding");

  private final HttpClient http;
  private final URI base;
  private final String apiKey;
  private final Duration timeout;
  private final Runnable onUnreachable;

  /**
   * @param base the LLM's base URL, no trailing slash
   * @param apiKey sent as a bearer token when the broker injected none; may be null
   * @param timeout how long the LLM may take to start answering
   * @param onUnreachable told when a forward failed for want of the LLM (to re-probe it)
   */
  public HttpUpstream(HttpClient http, URI base, String apiKey, Duration timeout, Runnable onUnreachable) {
    this.http = http;
    this.base = base;
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.onUnreachable = onUnreachable;
  }

  /** The base URL joined with the request path; a base ending in /v1 is not doubled by /v1/... */
  static URI target(URI base, String path) {
    String b = base.toString();
    String p = path.startsWith("/") ? path : "/" + path;
    if (b.endsWith("/v1") && (p.startsWith("/v1/") || p.equals("/v1"))) {
      p = p.substring(3);
    }
    return URI.create(b + p);
  }

  @Override
  public void forward(Request request, AnswerFrames sink) {
    HttpRequest.Builder builder;
    try {
      builder = HttpRequest.newBuilder(target(base, request.path())).timeout(timeout);
    } catch (IllegalArgumentException e) {
      sink.fail(400, "invalid_request_error", "invalid request path");
      return;
    }
    boolean hasBody = !request.body().isEmpty();
    builder.method(request.method(), hasBody
        ? HttpRequest.BodyPublishers.ofString(request.body())
        : HttpRequest.BodyPublishers.noBody());
    boolean authorization = false;
    boolean contentType = false;
    for (Map.Entry<String, String> header : request.headers().entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (NOT_FORWARDED.contains(name)) {
        continue;
      }
      try {
        builder.header(name, header.getValue());
        authorization |= name.equals("authorization");
        contentType |= name.equals("content-type");
      } catch (IllegalArgumentException restricted) {
        // HttpClient refuses a few headers it manages itself; the LLM gets its own values.
      }
    }
    if (!request.headers().containsKey("x-request-id")) {
      // The same id in every log line and at the LLM: the broker always sends one, a test may not.
      builder.header("x-request-id", sink.requestId());
    }
    if (!authorization && apiKey != null) {
      builder.header("authorization", "Bearer " + apiKey);
    }
    if (hasBody && !contentType) {
      builder.header("content-type", "application/json");
    }

    AtomicReference<LlmBodyRelay> relay = new AtomicReference<>();
    CompletableFuture<HttpResponse<Void>> call = http.sendAsync(builder.build(), info -> {
      Map<String, String> headers = new LinkedHashMap<>();
      String type = info.headers().firstValue("content-type").orElse("application/octet-stream");
      headers.put("content-type", type);
      info.headers().firstValue("retry-after").ifPresent(v -> headers.put("retry-after", v));
      sink.head(info.statusCode(), headers);
      boolean sse = type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
      LlmBodyRelay body = new LlmBodyRelay(sink, sse, type.contains("json"));
      relay.set(body);
      if (info.statusCode() == 502 || info.statusCode() == 503 || info.statusCode() == 504) {
        onUnreachable.run();
      }
      return HttpResponse.BodySubscribers.fromSubscriber(body);
    });
    sink.onCancel(() -> {
      // Before the answer starts, cancelling the future aborts the exchange (JDK 16+); after, the
      // body subscription is what holds the connection, so it is cancelled too.
      call.cancel(true);
      LlmBodyRelay body = relay.get();
      if (body != null) {
        body.cancel();
      }
    });
    call.whenComplete((response, error) -> {
      if (error != null && !sink.cancelled()) {
        failed(sink, error);
      }
    });
  }

  private void failed(AnswerFrames sink, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof CancellationException) {
      return;
    }
    if (sink.headSent()) {
      sink.fail(502, "upstream_error", "the answer from the LLM broke off");
    } else if (cause instanceof HttpTimeoutException && !(cause instanceof java.net.http.HttpConnectTimeoutException)) {
      sink.fail(504, "upstream_timeout", "the LLM did not answer within " + timeout.toSeconds() + " s");
    } else {
      log(LOG, Level.WARNING, "request {0}: LLM unreachable ({1})", requestId(sink.requestId()),
          of("reason", cause.getClass().getSimpleName() + (cause instanceof ConnectException ? "" : ": " + cause.getMessage())));
      sink.fail(502, "upstream_error", "LLM unreachable");
      onUnreachable.run();
    }
  }
}
