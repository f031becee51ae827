package io.remotellm.broker.relay;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.routing.Lease;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.LlmApi;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;

/**
 * Which connector may take a relayed request: one that serves its model through its API family, or,
 * for a call that names a stored response, the one that created it (learnt from the answers that
 * created responses). Says why, when none may.
 */
@ApplicationScoped
public class RequestRoutes {

  @Inject ConnectorLinkRouter router;
  @Inject ResponseIds responseIds;
  @Inject RemoteBrokers remote = RemoteBrokers.NONE;

  /**
   * A connector for {@code request}: by the response id it names (the connector that created that
   * response, or one that reconnected with the same token), else by model and API.
   */
  Optional<Lease<ConnectorLink>> acquire(RelayRequest request, Set<String> exclude) {
    if (request.responseId() != null) {
      Optional<ResponseIds.Owner> owner = responseIds.owner(request.responseId(), request.user());
      if (owner.isEmpty()) {
        return Optional.empty();
      }
      Optional<Lease<ConnectorLink>> same =
          router.acquire(link -> link.id().equals(owner.get().linkId()), exclude);
      return same.isPresent()
          ? same
          : router.acquire(
              link ->
                  link.fingerprint().equals(owner.get().fingerprint())
                      && link.apis().contains(request.api()),
              exclude);
    }
    return router.acquire(request.model(), request.api(), exclude);
  }

  /** Why no connector could take {@code request}. */
  ApiError notRoutable(RelayRequest request) {
    if (request.responseId() != null) {
      return ApiError.responseNotFound(
          request.responseId(),
          responseIds.owner(request.responseId(), request.user()).isEmpty()
              ? "no broker relayed a response with that id, or it was forgotten"
              : "the connector that created it is not connected");
    }
    Set<LlmApi> offered = router.apisFor(request.model());
    if (offered.isEmpty()) {
      return ApiError.modelNotFound(request.model());
    }
    return ApiError.apiNotOffered(
        request.model(), request.api().title(), LlmApi.wireNames(offered));
  }

  /** A data frame of {@code exchange}'s answer: the first of a created response names it. */
  void answered(Exchange exchange, ConnectorLink link, Data data) {
    if (exchange.request().createsResponse() && exchange.firstSuccessfulData(link)) {
      ResponseIds.idIn(data.data())
          .ifPresent(
              id -> {
                responseIds.remember(id, link, exchange.request().user());
                remote.responseCreated(id, exchange.request().user());
              });
    }
  }
}
