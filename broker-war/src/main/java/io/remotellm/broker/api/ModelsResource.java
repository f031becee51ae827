package io.remotellm.broker.api;

import io.remotellm.broker.relay.RelayService;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /v1/models}: the union of the live connectors' models, in OpenAI's list format. */
@Path("models")
@RequestScoped
public class ModelsResource {
  /** Looked up once: {@code Json.create...} asks the service loader on every call. */
  private static final JsonProvider JSON = SharedJsonProvider.INSTANCE;

  @Inject RelayService relay;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public JsonObject list() {
    long created = relay.started().getEpochSecond();
    JsonArrayBuilder data = JSON.createArrayBuilder();
    for (String model : relay.router().models()) {
      data.add(
          JSON.createObjectBuilder()
              .add("id", model)
              .add("object", "model")
              .add("created", created)
              .add("owned_by", "remotellm"));
    }
    return JSON.createObjectBuilder().add("object", "list").add("data", data).build();
  }
}
