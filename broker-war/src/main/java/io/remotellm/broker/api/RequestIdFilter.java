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

/**
 * Gives every request an id (the client's {@code x-request-id} or a new one) before anything else
 * runs, and puts it on every response, errors and streams included. Streams also get the headers
 * that stop proxies from caching or buffering them. Each request gets its {@link AccessLog} here,
 * which writes its line as the response leaves, unless {@link InferenceResource} handed the request
 * to the relay, which then reports to it when the answer is complete.
 */
@Provider
@PreMatching
@Priority(100)
public class RequestIdFilter implements ContainerRequestFilter, ContainerResponseFilter {

  @Override
  public void filter(ContainerRequestContext request) {
    long started = System.nanoTime();
    Object id = RequestIds.accept(request.getHeaderString(RequestIds.HEADER));
    request.setProperty(RequestIds.PROPERTY, id);
    request.setProperty(AccessLog.PROPERTY, new AccessLog(id, request.getMethod(), started));
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
    if (request.getProperty(AccessLog.PROPERTY) instanceof AccessLog access) {
      logAccess(request, response, access);
    }
  }

  private static void logAccess(
      ContainerRequestContext request, ContainerResponseContext response, AccessLog access) {
    Object body = request.getProperty(InferenceRequestFilter.CHAT_BODY);
    // A relayed call was rerouted to an internal path: log the one the client asked for. Paths
    // are under /v1; Jersey (Payara) gives them without a leading slash, RESTEasy (WildFly) with.
    String path =
        request.getProperty(InferenceRequestFilter.ENDPOINT) instanceof String endpoint
            ? endpoint.substring("/v1".length())
            : "/" + request.getUriInfo().getPath().replaceFirst("^/", "");
    String model = body instanceof ChatBody chat ? chat.model() : null;
    boolean streamed = body instanceof ChatBody chat && chat.stream();
    access.answeredHere(path, model, response.getStatus(), streamed);
  }
}
