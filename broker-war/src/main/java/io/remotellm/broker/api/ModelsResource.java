package io.remotellm.broker.api;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.relay.ConnectorRegistry;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.broker.users.User;
import io.remotellm.protocol.ModelNames;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /v1/models}: the union of the live connectors' models that the caller's allow-list
 * lets them see, in OpenAI's list format; and one of them.
 */
@Path("models")
@RequestScoped
public class ModelsResource {
  /** Looked up once: {@code Json.create...} asks the service loader on every call. */
  private static final JsonProvider JSON = SharedJsonProvider.INSTANCE;

  @Inject ConnectorRegistry connectors;

  @Context HttpServletRequest http;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public JsonObject list() {
    JsonArrayBuilder data = JSON.createArrayBuilder();
    ModelAllowList allowed = allowed();
    for (String model : connectors.models()) {
      if (allowed.allows(model)) {
        data.add(model(model));
      }
    }
    return JSON.createObjectBuilder().add("object", "list").add("data", data).build();
  }

  /**
   * {@code GET /v1/models/{id}} (the SDKs' {@code models.retrieve}): one model, or 404 {@code
   * model_not_found} when no live connector serves it. Ids may hold slashes ({@code
   * meta-llama/Llama-3.1-8B}), so the rest of the path is the id.
   */
  @GET
  @Path("{id: .+}")
  @Produces(MediaType.APPLICATION_JSON)
  public JsonObject one(@PathParam("id") String id) {
    if (connectors.models().stream().noneMatch(m -> ModelNames.same(m, id))
        || !allowed().allows(id)) {
      throw new ApiException(ApiError.modelNotFound(id));
    }
    return model(id);
  }

  /** The models the caller may see: their allow-list, or all. */
  private ModelAllowList allowed() {
    return http.getAttribute(ApiKeyFilter.USER) instanceof User user
        ? user.models()
        : ModelAllowList.ANY;
  }

  private JsonObject model(String id) {
    return JSON.createObjectBuilder()
        .add("id", id)
        .add("object", "model")
        .add("created", connectors.started().getEpochSecond())
        .add("owned_by", "remotellm")
        .build();
  }
}
