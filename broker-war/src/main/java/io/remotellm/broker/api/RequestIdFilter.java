package io.remotellm.broker.api;

import io.remotellm.broker.logging.AccessLog;
import jakarta.annotation.Priority;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import java.util.concurrent.TimeUnit;

/**
 * Gives every request an id (the client's {@code x-request-id} or a new one) before anything else
 * runs, and puts it on every response, errors and streams included. Streams also get the headers
 * that stop proxies from caching or buffering them. Requests the relay never took (refused,
 * invalid, listings) get their {@link AccessLog} line here; relayed ones get it from the relay when
 * they finish ({@link InferenceResource} marks them {@link #RELAYED}).
 */
@Provider
@PreMatching
@Priority(100)
public class RequestIdFilter implements ContainerRequestFilter, ContainerResponseFilter {

  static final String RELAYED = "io.remotellm.broker.relayed";
  private static final String STARTED = "io.remotellm.broker.started-nanos";

  @Override
  public void filter(ContainerRequestContext request) {
    request.setProperty(STARTED, System.nanoTime());
    request.setProperty(
        RequestIds.PROPERTY, RequestIds.accept(request.getHeaderString(RequestIds.HEADER)));
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    Object id = request.getProperty(RequestIds.PROPERTY);
    if (id != null) {
      response.getHeaders().putSingle(RequestIds.HEADER, id.toString());
    }
    MediaType type = response.getMediaType();
    if (type != null && type.isCompatible(MediaType.SERVER_SENT_EVENTS_TYPE)) {
      response.getHeaders().putSingle("Cache-Control", "no-cache");
      response.getHeaders().putSingle("X-Accel-Buffering", "no");
    }
    if (request.getProperty(RELAYED) == null) {
      logAccess(request, response, id);
    }
  }

  private static void logAccess(
      ContainerRequestContext request, ContainerResponseContext response, Object id) {
    Object started = request.getProperty(STARTED);
    long millis =
        started instanceof Long nanos
            ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos)
            : -1;
    Object body = request.getProperty(InferenceRequestFilter.CHAT_BODY);
    // A relayed call was rerouted to an internal path: log the one the client asked for. Paths
    // are under /v1; Jersey (Payara) gives them without a leading slash, RESTEasy (WildFly) with.
    String path =
        request.getProperty(InferenceRequestFilter.ENDPOINT) instanceof String endpoint
            ? endpoint.substring("/v1".length())
            : "/" + request.getUriInfo().getPath().replaceFirst("^/", "");
    String model = body instanceof ChatBody chat ? chat.model() : null;
    boolean streamed = body instanceof ChatBody chat && chat.stream();
    AccessLog.answeredHere(
        id, request.getMethod(), path, model, response.getStatus(), millis, streamed);
  }
}
