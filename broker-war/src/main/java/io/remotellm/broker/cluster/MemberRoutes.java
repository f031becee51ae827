package io.remotellm.broker.cluster;

import io.remotellm.protocol.ModelNames;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one broker publishes on the grid: how to reach it and its connectors (models, API families,
 * requests in flight). Kept on the grid as JSON text, so Payara's Hazelcast never has to load a
 * class of this application to read it.
 *
 * @param memberId the broker's grid member id
 * @param publicUrl where other brokers forward requests to
 * @param connectors its live connectors
 */
record MemberRoutes(String memberId, String publicUrl, List<Connector> connectors) {
  private static final JsonProvider JSON = SharedJsonProvider.INSTANCE;

  /** One connector of the broker: its id there, what it serves and its load. */
  record Connector(String id, Set<String> models, Set<String> apis, int inFlight) {
    boolean serves(String model, String api) {
      return apis.contains(api) && models.stream().anyMatch(m -> ModelNames.same(m, model));
    }
  }

  MemberRoutes {
    connectors = List.copyOf(connectors);
  }

  String toJson() {
    JsonArrayBuilder list = JSON.createArrayBuilder();
    for (Connector c : connectors) {
      list.add(
          JSON.createObjectBuilder()
              .add("id", c.id())
              .add("models", JSON.createArrayBuilder(List.copyOf(c.models())))
              .add("apis", JSON.createArrayBuilder(List.copyOf(c.apis())))
              .add("in_flight", c.inFlight()));
    }
    return JSON.createObjectBuilder()
        .add("member", memberId)
        .add("url", publicUrl)
        .add("connectors", list)
        .build()
        .toString();
  }

  static MemberRoutes fromJson(String text) {
    try (JsonReader reader = JSON.createReader(new StringReader(text))) {
      JsonObject o = reader.readObject();
      List<Connector> connectors = new ArrayList<>();
      for (JsonValue v : o.getJsonArray("connectors")) {
        JsonObject c = v.asJsonObject();
        connectors.add(
            new Connector(
                c.getString("id"),
                strings(c, "models"),
                strings(c, "apis"),
                c.getInt("in_flight", 0)));
      }
      return new MemberRoutes(o.getString("member"), o.getString("url"), connectors);
    }
  }

  private static Set<String> strings(JsonObject o, String name) {
    Set<String> all = new LinkedHashSet<>();
    o.getJsonArray(name)
        .getValuesAs(jakarta.json.JsonString.class)
        .forEach(s -> all.add(s.getString()));
    return all;
  }
}
