package io.remotellm.broker.ollama;

import io.remotellm.broker.api.ChatBody;
import io.remotellm.broker.api.RequestIds;
import io.remotellm.broker.api.SseWriters;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.limits.Admission;
import io.remotellm.broker.limits.AdmissionRefusal;
import io.remotellm.broker.limits.RateLimitHeaders;
import io.remotellm.broker.limits.RateLimiter;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.metrics.BrokerMetrics;
import io.remotellm.broker.relay.ConnectorRegistry;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.relay.ResponseSink;
import io.remotellm.broker.users.User;
import io.remotellm.broker.users.UserDirectory;
import io.remotellm.protocol.LlmApi;
import jakarta.inject.Inject;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ollama's native API at {@code /api/*}: the same door as {@code /v1} (503 while draining, the user
 * key as {@code Authorization: Bearer}, {@code x-request-id}, a bounded body, one access line per
 * request), then chat, generate, embed and show relayed by model, and version, tags and ps answered
 * here. Model management (pull, push, create, copy, delete, blobs) is refused: the LLM's models are
 * its operator's business, not the broker's users'. A servlet, not JAX-RS: the JAX-RS application
 * is under {@code /v1}, and an NDJSON stream has no async JAX-RS API ({@code SseEventSink} writes
 * only SSE), while an async servlet writes lines as they come and holds no thread while the LLM
 * thinks.
 */
@WebServlet(urlPatterns = "/api/*", asyncSupported = true)
public class OllamaServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = Logger.getLogger(OllamaServlet.class.getName());

  private static final Set<String> MANAGEMENT =
      Set.of("/pull", "/push", "/create", "/copy", "/delete");

  @Inject transient Credentials credentials;
  @Inject transient UserDirectory users;
  @Inject transient RateLimiter limiter;
  @Inject transient Dispatcher relay;
  @Inject transient ConnectorRegistry connectors;
  @Inject transient BrokerSettings settings;
  @Inject transient SseWriters writers;
  @Inject transient BrokerMetrics metrics;

  private final transient OllamaBodies bodies = new OllamaBodies();

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    long started = System.nanoTime();
    String requestId = RequestIds.accept(request.getHeader(RequestIds.HEADER));
    response.setHeader(RequestIds.HEADER, requestId);
    String path = path(request);
    String method = request.getMethod();
    String model = null;
    boolean streamed = false;
    int status;
    AccessLog access = new AccessLog(requestId, method, started);
    User user = null;
    try {
      user = door(request);
      if (OllamaBodies.relayed(path)) {
        if (!"POST".equals(method)) {
          throw new ApiException(ApiError.forStatus(405, "Method not allowed: use POST"));
        }
        ChatBody body =
            bodies.read(
                path,
                request.getContentLengthLong(),
                request.getInputStream(),
                settings.maxBodyBytes());
        model = body.model();
        streamed = body.stream();
        admit(user, model, response);
        relay(request, response, requestId, "/api" + path, body, user, access);
        return; // the relay writes the access line when the answer is complete
      }
      status = answerHere(method, path, response, user);
    } catch (ApiException e) {
      status = e.error().status();
      writeJson(response, status, ApiEdges.OLLAMA.errorBody(e.error()));
      if (OllamaBodies.relayed(path) && "POST".equals(method)) {
        countRefused(user, model, status);
      }
    }
    access.answeredHere("/api" + path, model, status, streamed);
  }

  /** A relayed call answered here: the relay, which counts the others, never saw it. */
  private void countRefused(User user, String model, int status) {
    metrics.refused(
        user == null ? null : user.name(),
        LlmApi.OLLAMA.wireName(),
        model,
        model != null && connectors.models().contains(model),
        status);
  }

  /**
   * The user's allow-list and limits, as {@code AdmissionFilter} applies them on {@code /v1}; the
   * rate-limit headers go on the answer either way. An admitted call holds its slot until the relay
   * reports its end, or {@link #relay} gives it back.
   */
  private void admit(User user, String model, HttpServletResponse response) {
    if (model != null && !user.models().allows(model)) {
      throw new ApiException(ApiError.modelNotFound(model));
    }
    Admission admission = limiter.admit(user);
    RateLimitHeaders.of(admission).forEach(response::setHeader);
    if (!admission.admitted()) {
      throw new ApiException(AdmissionRefusal.of(admission));
    }
  }

  /** Draining, then the user key: as {@code ApiKeyFilter} does for {@code /v1}. */
  private User door(HttpServletRequest request) {
    if (relay.draining()) {
      throw new ApiException(ApiError.unavailable("The broker is shutting down"));
    }
    String header = ApiEdges.OLLAMA.presentedKey(request::getHeader);
    if (users.configured()) {
      Optional<User> user = users.find(header);
      if (user.isPresent()) {
        return user.get();
      }
      if (credentials.anonymousAllowed() && header == null) {
        return users.anonymous();
      }
      throw new ApiException(
          ApiError.invalidApiKey(
              header == null ? ApiEdges.OLLAMA.missingKeyMessage() : "Incorrect API key provided"));
    }
    if (!credentials.anonymousAllowed()) {
      throw new ApiException(
          ApiError.invalidApiKey(
              "No user API keys are configured on this broker, so it serves no requests"));
    }
    return users.anonymous();
  }

  /** Version, tags, ps, or a refusal; returns the status written. */
  private int answerHere(String method, String path, HttpServletResponse response, User user)
      throws IOException {
    String get =
        switch (path) {
          case "/version" -> OllamaListings.version();
          case "/tags" -> OllamaListings.models(visible(user), connectors.started(), false);
          case "/ps" -> OllamaListings.models(visible(user), connectors.started(), true);
          default -> null;
        };
    if (get != null) {
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        throw new ApiException(ApiError.forStatus(405, "Method not allowed: use GET"));
      }
      writeJson(response, 200, get);
      return 200;
    }
    if (MANAGEMENT.contains(path) || path.equals("/blobs") || path.startsWith("/blobs/")) {
      throw new ApiException(
          new ApiError(
              403,
              "invalid_request_error",
              "model_management_disabled",
              "model management is disabled on this broker",
              null));
    }
    throw new ApiException(
        ApiError.forStatus(
            404,
            "Not found: this broker serves /api/chat, /api/generate, /api/embed, /api/embeddings,"
                + " /api/show, /api/tags, /api/ps and /api/version"));
  }

  /** The served models the user's allow-list lets them see. */
  private List<String> visible(User user) {
    Collection<String> served = connectors.models();
    return served.stream().filter(user.models()::allows).toList();
  }

  private void relay(
      HttpServletRequest request,
      HttpServletResponse response,
      String requestId,
      String path,
      ChatBody body,
      User user,
      AccessLog access) {
    AsyncContext async = request.startAsync();
    // The relay has its own timeouts (upstream, keep-alive); the container's must not cut a
    // long generation.
    async.setTimeout(0);
    ResponseSink sink =
        body.stream()
            ? new NdjsonResponseSink(
                async, response, writers.executor(), settings.maxBufferedBytesPerStream())
            : new BufferedAnswerSink(async, response, writers.executor());
    access.handToRelay();
    try {
      relay.start(
          new RelayRequest(
              requestId,
              path,
              body.model(),
              body.stream(),
              body.text(),
              "POST",
              LlmApi.OLLAMA,
              Map.of(),
              null,
              user.name()),
          sink,
          access);
    } catch (ApiException e) {
      // Refused before anything was written (no connector serves the model, draining).
      limiter.release(user);
      access.takeBack();
      refused(access, path, body, sink, e.error());
      countRefused(user, body.model(), e.error().status());
    } catch (RuntimeException e) {
      // A bug before the request left: the async response must still end, with an answer.
      LOG.log(Level.SEVERE, "relaying " + path + " failed", e);
      limiter.release(user);
      access.takeBack();
      refused(
          access,
          path,
          body,
          sink,
          new ApiError(500, "api_error", "internal_error", "Internal error", null));
      countRefused(user, body.model(), 500);
    }
  }

  private static void refused(
      AccessLog access, String path, ChatBody body, ResponseSink sink, ApiError error) {
    sink.fail(error, false);
    access.answeredHere(path, body.model(), error.status(), body.stream());
  }

  /** The path under {@code /api}, without a trailing slash; "" for {@code /api} itself. */
  private static String path(HttpServletRequest request) {
    String info = request.getPathInfo();
    if (info == null) {
      return "";
    }
    return info.length() > 1 && info.endsWith("/") ? info.substring(0, info.length() - 1) : info;
  }

  private static void writeJson(HttpServletResponse response, int status, String json)
      throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
