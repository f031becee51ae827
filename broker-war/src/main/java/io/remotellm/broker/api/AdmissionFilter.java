package io.remotellm.broker.api;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.limits.Admission;
import io.remotellm.broker.limits.AdmissionRefusal;
import io.remotellm.broker.limits.RateLimitHeaders;
import io.remotellm.broker.limits.RateLimiter;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.users.User;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;

/**
 * Admits a relayed call once, after its body named the model and before it is relayed: a model
 * outside the user's allow-list is 404 {@code model_not_found} (as if it were not served: the
 * allow-list is not told to the user), a call over one of the user's limits is 429 in the API's
 * error shape. Every relayed answer, streamed or not, and every 429 carry the user's rate-limit
 * headers ({@link RateLimitHeaders}).
 *
 * <p>An admitted call holds a concurrency slot until the relay reports its end ({@link
 * RateLimiter#recorded}); one the relay never took (no connector for the model, an error before it)
 * is released here as its response leaves.
 */
@Provider
@PreMatching
@Priority(3100)
public class AdmissionFilter implements ContainerRequestFilter, ContainerResponseFilter {

  static final String ADMISSION = "io.remotellm.broker.admission";

  @Inject RateLimiter limiter;

  @Override
  public void filter(ContainerRequestContext request) {
    if (!(request.getProperty(InferenceRequestFilter.CHAT_BODY) instanceof ChatBody chat)
        || !(request.getProperty(ApiKeyFilter.USER) instanceof User user)) {
      return; // not a relayed call
    }
    // A call by response id names no model: the response's creator was checked.
    if (chat.model() != null && !user.models().allows(chat.model())) {
      throw new ApiException(ApiError.modelNotFound(chat.model()));
    }
    Admission admission = limiter.admit(user);
    request.setProperty(ADMISSION, admission);
    if (!admission.admitted()) {
      throw new ApiException(AdmissionRefusal.of(admission));
    }
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (!(request.getProperty(ADMISSION) instanceof Admission admission)) {
      return;
    }
    for (Map.Entry<String, String> header : RateLimitHeaders.of(admission).entrySet()) {
      response.getHeaders().putSingle(header.getKey(), header.getValue());
    }
    if (admission.admitted()
        && !(request.getProperty(AccessLog.PROPERTY) instanceof AccessLog access
            && access.relayOwns())
        && request.getProperty(ApiKeyFilter.USER) instanceof User user) {
      // Admitted, yet answered without the relay: nothing will report its end but this response.
      request.removeProperty(ADMISSION);
      limiter.release(user);
    }
  }
}
