package io.remotellm.broker.api;

import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.metrics.BrokerMetrics;
import io.remotellm.broker.relay.ConnectorRegistry;
import io.remotellm.broker.users.User;
import io.remotellm.protocol.RelayedEndpoints;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
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
 * to the relay, which then reports to it when the answer is complete. A relayed call answered here
 * (refused: bad key, allow-list, limit, body, no connector) is counted in the metrics here too, as
 * the relay, which counts the others, never saw it.
 */
@Provider
@PreMatching
@Priority(100)
public class RequestIdFilter implements ContainerRequestFilter, ContainerResponseFilter {

  @Inject BrokerMetrics metrics;
  @Inject ConnectorRegistry connectors;

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
      if (!access.relayOwns()) {
        countRefused(request, response);
      }
    }
  }

  /** Counts a request to a relayed call that the relay never took. */
  private void countRefused(ContainerRequestContext request, ContainerResponseContext response) {
    RelayedEndpoints.Endpoint relayed =
        request.getProperty(InferenceRequestFilter.RELAYED_ENDPOINT)
                instanceof RelayedEndpoints.Endpoint e
            ? e
            : InferenceRequestFilter.endpoint(request.getMethod(), request.getUriInfo().getPath());
    if (relayed == null) {
      return; // the model list, an unknown path: not a call anyone relays
    }
    String model =
        request.getProperty(InferenceRequestFilter.CHAT_BODY) instanceof ChatBody chat
            ? chat.model()
            : null;
    String user = request.getProperty(ApiKeyFilter.USER) instanceof User u ? u.name() : null;
    if (response.getStatus() == 401) {
      user = null; // ApiKeyFilter leaves the anonymous user on a refusal
    }
    metrics.refused(
        user,
        relayed.api().wireName(),
        model,
        model != null && connectors.models().contains(model),
        response.getStatus());
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
