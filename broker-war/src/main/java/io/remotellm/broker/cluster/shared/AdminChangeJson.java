package io.remotellm.broker.cluster.shared;

import io.remotellm.broker.admin.AdminChange;
import io.remotellm.broker.admin.AuditLog;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.users.IssuedKeys;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.broker.users.User;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * An {@link AdminChange} as the JSON text the brokers send each other. Text, not a serialised
 * object, so a grid member needs none of this application's classes to pass it on, and a broker of
 * another version can at least read what it understands. Holds what the database rows hold: a key's
 * SHA-256 and fingerprint, never a key.
 */
final class AdminChangeJson {
  private AdminChangeJson() {}

  static String encode(AdminChange change) {
    JsonObjectBuilder json = Json.createObjectBuilder();
    if (change instanceof AdminChange.UserPut put) {
      json.add("type", "user.put").add("user", user(put.issued()));
    } else if (change instanceof AdminChange.UserRevoked revoked) {
      json.add("type", "user.revoke").add("name", revoked.name());
    } else if (change instanceof AdminChange.TokensRevoked tokens) {
      json.add("type", "tokens.revoke")
          .add("token_ids", Json.createArrayBuilder(tokens.tokenIds()));
    }
    AuditLog.Entry a = change.audit();
    json.add(
        "audit",
        Json.createObjectBuilder()
            .add("time", a.time().toString())
            .add("admin", a.admin())
            .add("action", a.action())
            .add("target", a.target())
            .add("detail", a.detail()));
    return json.build().toString();
  }

  /** The change this text describes; throws {@link RuntimeException} when it describes none. */
  static AdminChange decode(String text) {
    JsonObject json;
    try (var reader = Json.createReader(new StringReader(text))) {
      json = reader.readObject();
    }
    JsonObject a = json.getJsonObject("audit");
    AuditLog.Entry audit =
        new AuditLog.Entry(
            Instant.parse(a.getString("time")),
            a.getString("admin"),
            a.getString("action"),
            a.getString("target"),
            a.getString("detail"));
    String type = json.getString("type");
    return switch (type) {
      case "user.put" -> new AdminChange.UserPut(issued(json.getJsonObject("user")), audit);
      case "user.revoke" -> new AdminChange.UserRevoked(json.getString("name"), audit);
      case "tokens.revoke" -> new AdminChange.TokensRevoked(strings(json, "token_ids"), audit);
      default -> throw new IllegalArgumentException("unknown admin change type " + type);
    };
  }

  private static JsonObjectBuilder user(IssuedKeys.Issued issued) {
    Limits l = issued.user().limits();
    ModelAllowList models = issued.user().models();
    JsonObjectBuilder json =
        Json.createObjectBuilder()
            .add("name", issued.user().name())
            .add("requests_per_minute", l.requestsPerMinute())
            .add("tokens_per_minute", l.tokensPerMinute())
            .add("tokens_per_day", l.tokensPerDay())
            .add("max_concurrent", l.maxConcurrent())
            .add("key_sha256", HexFormat.of().formatHex(issued.keyDigest()))
            .add("key_fingerprint", issued.keyFingerprint())
            .add("created", issued.created().toString());
    if (models.restricted()) {
      JsonArrayBuilder globs = Json.createArrayBuilder(models.globs());
      json.add("models", globs);
    }
    return json;
  }

  private static IssuedKeys.Issued issued(JsonObject json) {
    Limits limits =
        new Limits(
            json.getJsonNumber("requests_per_minute").longValueExact(),
            json.getJsonNumber("tokens_per_minute").longValueExact(),
            json.getJsonNumber("tokens_per_day").longValueExact(),
            json.getJsonNumber("max_concurrent").longValueExact());
    ModelAllowList models =
        json.containsKey("models")
            ? ModelAllowList.of(strings(json, "models"))
            : ModelAllowList.ANY;
    return new IssuedKeys.Issued(
        new User(json.getString("name"), limits, models),
        HexFormat.of().parseHex(json.getString("key_sha256")),
        json.getString("key_fingerprint"),
        Instant.parse(json.getString("created")));
  }

  private static List<String> strings(JsonObject json, String name) {
    return json.getJsonArray(name).getValuesAs(JsonString.class).stream()
        .map(JsonString::getString)
        .toList();
  }
}
