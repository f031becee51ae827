package io.remotellm.broker.api;

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
 * that stop proxies from caching or buffering them.
 */
@Provider
@PreMatching
@Priority(100)
public class RequestIdFilter implements ContainerRequestFilter, ContainerResponseFilter {

  @Override
  public void filter(ContainerRequestContext request) {
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
  }
}
