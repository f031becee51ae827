package io.remotellm.broker.edge;

import io.remotellm.protocol.LlmApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;

/**
 * The edges of every family the broker serves, and which one a request belongs to. To serve another
 * family, add its {@link ApiEdge} to {@link #EDGES}, before the OpenAI fallback.
 */
public final class ApiEdges {

  public static final ApiEdge OPENAI = new OpenAiEdge();

  /** Ollama's native API, served by its own servlet at {@code /api}. */
  public static final ApiEdge OLLAMA = new OllamaEdge();

  /** Asked in order; the first that owns a path is its edge. OpenAI's owns everything else. */
  private static final List<ApiEdge> EDGES =
      List.of(new AnthropicEdge(), new ResponsesEdge(), OLLAMA, OPENAI);

  private static final String ATTRIBUTE = ApiEdge.class.getName();

  /** Where the JAX-RS application sits ({@code BrokerApplication}), as its base URI ends. */
  private static final String API_ROOT = "/v1/";

  private ApiEdges() {}

  /** The edge of a request to {@code path}, from the context root ({@code /v1/messages}). */
  public static ApiEdge forPath(String path) {
    String p = path == null ? "" : path;
    for (ApiEdge edge : EDGES) {
      if (edge.owns(p)) {
        return edge;
      }
    }
    return OPENAI;
  }

  /** The edge of the family {@code api}. */
  public static ApiEdge of(LlmApi api) {
    for (ApiEdge edge : EDGES) {
      if (edge.api() == api) {
        return edge;
      }
    }
    return OPENAI;
  }

  /**
   * The edge of {@code request} by the path the client asked for (the servlet's URI, which a JAX-RS
   * filter's rewrite does not change), remembered on the request.
   */
  public static ApiEdge of(HttpServletRequest request) {
    if (request == null) {
      return OPENAI;
    }
    if (request.getAttribute(ATTRIBUTE) instanceof ApiEdge edge) {
      return edge;
    }
    ApiEdge edge = forPath(pathOf(request.getRequestURI(), request.getContextPath()));
    request.setAttribute(ATTRIBUTE, edge);
    return edge;
  }

  /**
   * The edge of a request to the JAX-RS API at {@code /v1} by the path the client asked for, as
   * {@link #of(HttpServletRequest)} finds it: call it before a filter rewrites the URI. It reads
   * the request's own URIs, which the API's key filter has at hand, instead of the injected servlet
   * request, whose proxy looks the request up again on every call (1.1 % of the broker's CPU per
   * request, measured with JFR in docs/benchmarks.md).
   */
  public static ApiEdge of(UriInfo uri) {
    String path = uri.getRequestUri().getRawPath();
    String base = uri.getBaseUri().getRawPath();
    // base is the context path and "/v1/"; the request's path starts with it, or is "/v1" alone.
    if (path == null || base == null || !base.endsWith(API_ROOT) || !path.startsWith(base)) {
      return OPENAI;
    }
    return forPath(path.substring(base.length() - API_ROOT.length()));
  }

  /** {@code uri} without {@code contextPath}: the path an API family owns. */
  public static String pathOf(String uri, String contextPath) {
    if (uri == null) {
      return "";
    }
    String context = contextPath == null ? "" : contextPath;
    return uri.startsWith(context) ? uri.substring(context.length()) : uri;
  }
}
