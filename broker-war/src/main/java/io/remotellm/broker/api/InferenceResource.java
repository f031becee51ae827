package io.remotellm.broker.api;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.edge.ApiEdge;
import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.users.User;
import io.remotellm.protocol.RelayedEndpoints;
import io.remotellm.protocol.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.HashMap;
import java.util.Map;

/**
 * The calls relayed to a connector ({@link io.remotellm.protocol.RelayedEndpoints}): OpenAI's chat
 * completions, completions and embeddings, the Responses API and Anthropic's Messages. {@link
 * InferenceRequestFilter} has read the body and sent the request to one of the two methods here;
 * both return at once and let the relay answer later, so no container thread waits for the LLM.
 *
 * <p>One instance serves every request: the request comes in as a method parameter, never as a
 * field. A request-scoped resource made CDI (Weld) and Jersey (HK2) build and inject a new bean for
 * every call, 7 % of the broker's CPU in a profile of the relay (docs/benchmarks.md).
 */
@Path("~relayed")
@ApplicationScoped
public class InferenceResource {

  // Internal paths no client can ask for ('~' is not in our API): InferenceRequestFilter reads
  // the body's "stream" and rewrites /v1/chat/completions etc. to one of these, because JAX-RS
  // picks a method by path and headers, never by a field of the body, and the two answers need
  // different async APIs (SseEventSink, AsyncResponse). The access line names the client's path.
  static final String STREAMED = "~relayed/streamed";
  static final String BUFFERED = "~relayed/buffered";

  @Inject Dispatcher relay;
  @Inject BrokerSettings settings;

  /** Writes answers, so a client that stops reading blocks a pool thread, not the relay. */
  @Inject SseWriters writers;

  @POST
  @Path("streamed")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void streamed(
      @Context HttpServletRequest http, @Context SseEventSink sink, @Context Sse sse) {
    RelayRequest request = relayRequest(http);
    AccessLog access = accessLog(http);
    access.handToRelay();
    try {
      relay.start(
          request,
          new SseResponseSink(
              sink,
              sse,
              writers.executor(),
              settings.maxBufferedBytesPerStream(),
              ApiEdges.of(request.api()),
              closeGate(http)),
          access);
    } catch (RuntimeException e) {
      access.takeBack();
      throw e;
    }
  }

  @POST
  @Path("buffered")
  @Produces(MediaType.APPLICATION_JSON)
  public void buffered(@Context HttpServletRequest http, @Suspended AsyncResponse response) {
    RelayRequest request = relayRequest(http);
    AccessLog access = accessLog(http);
    access.handToRelay();
    try {
      relay.start(
          request,
          new AsyncResponseSink(response, writers.executor(), ApiEdges.of(request.api())),
          access);
    } catch (RuntimeException e) {
      access.takeBack();
      throw e;
    }
  }

  /**
   * The request's access-log line, which RequestIdFilter made (servlet attributes are JAX-RS
   * request properties).
   */
  private static AccessLog accessLog(HttpServletRequest http) {
    if (http.getAttribute(AccessLog.PROPERTY) instanceof AccessLog access) {
      return access;
    }
    // Only a misconfigured application runs this resource without its filters.
    throw new IllegalStateException("RequestIdFilter did not run");
  }

  /** The gate {@link SseDispatchFilter} left for this request, or one that never waits. */
  private static SseCloseGate closeGate(HttpServletRequest http) {
    return http.getAttribute(SseCloseGate.ATTRIBUTE) instanceof SseCloseGate gate
        ? gate
        : SseCloseGate.open();
  }

  private static RelayRequest relayRequest(HttpServletRequest http) {
    // Servlet request attributes are the JAX-RS request properties the filters set.
    if (!(http.getAttribute(InferenceRequestFilter.CHAT_BODY) instanceof ChatBody chat)
        || !(http.getAttribute(InferenceRequestFilter.ENDPOINT) instanceof String endpoint)) {
      throw new ApiException(
          new ApiError(404, "invalid_request_error", "not_found", "Unknown path", null));
    }
    RelayedEndpoints.Endpoint relayed =
        (RelayedEndpoints.Endpoint) http.getAttribute(InferenceRequestFilter.RELAYED_ENDPOINT);
    String requestId = String.valueOf(http.getAttribute(RequestIds.PROPERTY));
    String user =
        http.getAttribute(ApiKeyFilter.USER) instanceof User u ? u.name() : User.ANONYMOUS;
    ApiEdge edge = ApiEdges.of(relayed.api());
    Map<String, String> headers = new HashMap<>();
    for (String name : edge.forwardedHeaders()) {
      String value = http.getHeader(name);
      if (value != null && !value.isBlank() && value.length() <= MAX_FORWARDED_HEADER) {
        headers.put(name, value);
      }
    }
    return new RelayRequest(
        requestId,
        endpoint,
        chat.model(),
        chat.stream(),
        chat.text(),
        relayed.method(),
        relayed.api(),
        headers,
        relayed.id(endpoint),
        user,
        query(http));
  }

  /**
   * The client's query string for the LLM (e.g. {@code include[]=...} on {@code GET
   * /v1/responses/{id}}, {@code beta=true} from Anthropic's SDK), or null. Raw brackets, which many
   * clients send unescaped, are escaped; anything else that is no URI query is a 400.
   */
  private static String query(HttpServletRequest http) {
    String query = http.getQueryString();
    if (query == null || query.isEmpty()) {
      return null;
    }
    query = query.replace("[", "%5B").replace("]", "%5D");
    if (!Request.isValidQuery(query)) {
      throw new ApiException(
          ApiError.invalidRequest(
              "Invalid query string: URI characters only, at most "
                  + Request.MAX_QUERY
                  + " of them",
              null));
    }
    return query;
  }

  /** A forwarded header longer than this is dropped: real ones are a few dozen characters. */
  static final int MAX_FORWARDED_HEADER = 1024;

  /** {@code GET /v1/responses/{id}}: relayed like the others, answered as JSON. */
  @GET
  @Path("buffered")
  @Produces(MediaType.APPLICATION_JSON)
  public void bufferedGet(@Context HttpServletRequest http, @Suspended AsyncResponse response) {
    buffered(http, response);
  }

  /** {@code DELETE /v1/responses/{id}}. */
  @DELETE
  @Path("buffered")
  @Produces(MediaType.APPLICATION_JSON)
  public void bufferedDelete(@Context HttpServletRequest http, @Suspended AsyncResponse response) {
    buffered(http, response);
  }
}
