package io.remotellm.broker.api;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.edge.ApiEdge;
import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.users.User;
import io.remotellm.broker.users.UserDirectory;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import java.util.Optional;

/**
 * The API's door: 503 while shutting down, then the user API key, before the body is read. With no
 * keys configured the API serves nobody unless anonymous access is switched on: an operator who
 * forgot the keys gets a broker that says so rather than one open to the internet. The caller's
 * {@link User} is left in the request property {@link #USER} for the filters and resources after.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class ApiKeyFilter implements ContainerRequestFilter {

  /** The request property holding the caller's {@link User}. */
  public static final String USER = "io.remotellm.broker.user";

  @Inject Credentials credentials;
  @Inject UserDirectory users;
  @Inject Dispatcher relay;

  @Override
  public void filter(ContainerRequestContext request) {
    if (relay.draining()) {
      throw new ApiException(ApiError.unavailable("The broker is shutting down"));
    }
    if (users.configured()) {
      // Where the key is depends on the family: Anthropic's clients send x-api-key.
      ApiEdge edge = ApiEdges.of(request.getUriInfo());
      String header = edge.presentedKey(request::getHeaderString);
      Optional<User> user = users.find(header);
      if (user.isPresent()) {
        request.setProperty(USER, user.get());
        return;
      }
      if (credentials.anonymousAllowed() && header == null) {
        request.setProperty(USER, users.anonymous());
        return;
      }
      throw new ApiException(
          ApiError.invalidApiKey(
              header == null ? edge.missingKeyMessage() : "Incorrect API key provided"));
    }
    request.setProperty(USER, users.anonymous());
    if (!credentials.anonymousAllowed()) {
      throw new ApiException(
          ApiError.invalidApiKey(
              "No user API keys are configured on this broker, so it serves no requests: set"
                  + " REMOTELLM_BROKER_USER_API_KEYS (or --user-api-key) or a users file"
                  + " (--user-config), or allow anonymous access"
                  + " explicitly with remotellm.broker.allow-anonymous=true"));
    }
  }
}
