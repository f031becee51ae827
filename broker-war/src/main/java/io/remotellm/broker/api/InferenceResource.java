package io.remotellm.broker.api;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.users.User;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * {@code POST /v1/chat/completions}, {@code /v1/completions} and {@code /v1/embeddings}, the calls
 * relayed to a connector by model. {@link InferenceRequestFilter} has read the body and sent the
 * request to one of the two methods here; both return at once and let the relay answer later, so no
 * container thread waits for the LLM.
 */
@Path("~relayed")
@RequestScoped
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

  @Context HttpServletRequest http;

  @POST
  @Path("streamed")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void streamed(@Context SseEventSink sink, @Context Sse sse) {
    RelayRequest request = relayRequest();
    relayed(true);
    try {
      relay.start(
          request,
          new SseResponseSink(sink, sse, writers.executor(), settings.maxBufferedBytesPerStream()));
    } catch (RuntimeException e) {
      relayed(false);
      throw e;
    }
  }

  @POST
  @Path("buffered")
  @Produces(MediaType.APPLICATION_JSON)
  public void buffered(@Suspended AsyncResponse response) {
    RelayRequest request = relayRequest();
    relayed(true);
    try {
      relay.start(request, new AsyncResponseSink(response, writers.executor()));
    } catch (RuntimeException e) {
      relayed(false);
      throw e;
    }
  }

  /**
   * Marks the request as the relay's: it writes the access-log line when the answer is complete.
   * Set before the relay starts, as the answer may come back on another thread at once.
   */
  private void relayed(boolean relayed) {
    if (relayed) {
      http.setAttribute(RequestIdFilter.RELAYED, Boolean.TRUE);
    } else {
      http.removeAttribute(RequestIdFilter.RELAYED);
    }
  }

  private RelayRequest relayRequest() {
    // Servlet request attributes are the JAX-RS request properties the filters set.
    if (!(http.getAttribute(InferenceRequestFilter.CHAT_BODY) instanceof ChatBody chat)
        || !(http.getAttribute(InferenceRequestFilter.ENDPOINT) instanceof String endpoint)) {
      throw new ApiException(
          new ApiError(404, "invalid_request_error", "not_found", "Unknown path", null));
    }
    String requestId = String.valueOf(http.getAttribute(RequestIds.PROPERTY));
    String user =
        http.getAttribute(ApiKeyFilter.USER) instanceof User u ? u.name() : User.ANONYMOUS;
    return new RelayRequest(
        requestId, endpoint, chat.model(), chat.stream(), chat.text(), user, RelayRequest.OPENAI);
  }
}
