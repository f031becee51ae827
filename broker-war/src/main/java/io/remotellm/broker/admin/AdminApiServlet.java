package io.remotellm.broker.admin;

import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.relay.ConnectorRegistry;
import io.remotellm.broker.users.IssuedKeys;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.broker.users.UserConfigParser;
import io.remotellm.broker.users.UserDirectory;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin JSON API under {@code /admin/api/} (the {@link AdminGate} has checked the admin key):
 * reads of what {@link AdminView} shows, and the actions, each one audited.
 */
@WebServlet(urlPatterns = "/admin/api/*")
public class AdminApiServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final int MAX_BODY = 64 * 1024;

  @Inject transient AdminView view;
  @Inject transient IssuedKeys issued;
  @Inject transient UserDirectory directory;
  @Inject transient ConnectorRegistry registry;
  @Inject transient AdminState state;

  /** Bad input from the admin: a 400 with this message. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  /** An action the database could not store was not taken: a 503 says so, to retry later. */
  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res)
      throws ServletException, IOException {
    try {
      super.service(req, res);
    } catch (AdminState.Unavailable e) {
      AdminGate.error(res, 503, "unavailable", e.getMessage());
    }
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    JsonObject all = view.overview();
    String part = path(req);
    if (part.equals("/overview") || part.isEmpty() || part.equals("/")) {
      json(res, 200, all);
    } else if (all.containsKey(part.substring(1)) && !part.substring(1).equals("time")) {
      json(
          res,
          200,
          Json.createObjectBuilder().add(part.substring(1), all.get(part.substring(1))).build());
    } else {
      AdminGate.error(res, 404, "not_found", "No such admin resource");
    }
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
    if (!path(req).equals("/users")) {
      AdminGate.error(res, 404, "not_found", "No such admin resource");
      return;
    }
    try {
      JsonObject body = body(req);
      String name =
          body.containsKey("name") && body.get("name") instanceof JsonString s
              ? s.getString()
              : null;
      if (!UserConfigParser.validName(name)) {
        throw new BadRequest(
            "'name' must be 1 to 64 characters of A-Z a-z 0-9 . _ @ - (not starting with . _ @ -,"
                + " not 'anonymous' or 'key-...')");
      }
      if (directory.hasConfigured(name)) {
        throw new BadRequest("'" + name + "' is a user of the users file: change it there");
      }
      Limits limits = limits(body, directory.defaults());
      ModelAllowList models = models(body, ModelAllowList.ANY);
      var created = state.createUser(admin(req), name, limits, models);
      if (created.isEmpty()) {
        AdminGate.error(res, 409, "conflict", "A user of this name exists; revoke it first");
        return;
      }
      json(
          res,
          201,
          Json.createObjectBuilder()
              .add("name", name)
              .add("api_key", created.get().key())
              .add("key_fingerprint", created.get().issued().keyFingerprint())
              .add("limits", AdminView.limits(limits))
              .add("models", Json.createArrayBuilder(models.globs()))
              .build());
    } catch (BadRequest e) {
      AdminGate.error(res, 400, "invalid_request", e.getMessage());
    }
  }

  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String name = tail(req, "/users/");
    if (name == null) {
      AdminGate.error(res, 404, "not_found", "No such admin resource");
      return;
    }
    try {
      JsonObject body = body(req);
      var was = issued.get(name);
      if (was.isEmpty()) {
        notIssued(res, name);
        return;
      }
      Limits limits = limits(body, was.get().user().limits());
      ModelAllowList models = models(body, was.get().user().models());
      if (state.changeUser(admin(req), name, limits, models).isEmpty()) {
        notIssued(res, name);
        return;
      }
      json(
          res,
          200,
          Json.createObjectBuilder()
              .add("name", name)
              .add("limits", AdminView.limits(limits))
              .add("models", Json.createArrayBuilder(models.globs()))
              .build());
    } catch (BadRequest e) {
      AdminGate.error(res, 400, "invalid_request", e.getMessage());
    }
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String user = tail(req, "/users/");
    String connector = tail(req, "/connectors/");
    if (user != null) {
      if (!state.revokeUser(admin(req), user)) {
        notIssued(res, user);
        return;
      }
      res.setStatus(204);
    } else if (connector != null) {
      List<String> revoked = state.revokeConnector(admin(req), connector);
      if (revoked.isEmpty()) {
        AdminGate.error(res, 404, "not_found", "No connector token in force has this fingerprint");
        return;
      }
      registry.recheckCredentials();
      res.setStatus(204);
    } else {
      AdminGate.error(res, 404, "not_found", "No such admin resource");
    }
  }

  private void notIssued(HttpServletResponse res, String name) throws IOException {
    if (directory.hasConfigured(name)) {
      AdminGate.error(
          res, 409, "read_only", "Users of the users file or key list are changed there");
    } else {
      AdminGate.error(res, 404, "not_found", "No user created here has this name");
    }
  }

  private static String admin(HttpServletRequest req) {
    return String.valueOf(req.getAttribute(AdminGate.ADMIN));
  }

  private static String path(HttpServletRequest req) {
    return req.getPathInfo() == null ? "" : req.getPathInfo();
  }

  /** The rest of the path after {@code prefix}, or null when it has none or holds a slash. */
  private static String tail(HttpServletRequest req, String prefix) {
    String p = path(req);
    if (!p.startsWith(prefix) || p.length() == prefix.length()) {
      return null;
    }
    String rest = p.substring(prefix.length());
    return rest.contains("/") ? null : rest;
  }

  private static JsonObject body(HttpServletRequest req) throws IOException, BadRequest {
    byte[] bytes;
    try (InputStream in = req.getInputStream()) {
      bytes = in.readNBytes(MAX_BODY + 1);
    }
    if (bytes.length > MAX_BODY) {
      throw new BadRequest("The body is over " + MAX_BODY + " bytes");
    }
    try (var reader =
        Json.createReader(new StringReader(new String(bytes, StandardCharsets.UTF_8)))) {
      return reader.readObject();
    } catch (JsonException | IllegalStateException e) {
      throw new BadRequest("The body must be a JSON object");
    }
  }

  /** The body's {@code limits}, each one missing taken from {@code base}. */
  private static Limits limits(JsonObject body, Limits base) throws BadRequest {
    if (!body.containsKey("limits") || body.isNull("limits")) {
      return base;
    }
    if (!(body.get("limits") instanceof JsonObject l)) {
      throw new BadRequest("'limits' must be an object");
    }
    return new Limits(
        count(l, "requests_per_minute", base.requestsPerMinute()),
        count(l, "tokens_per_minute", base.tokensPerMinute()),
        count(l, "tokens_per_day", base.tokensPerDay()),
        count(l, "max_concurrent", base.maxConcurrent()));
  }

  private static long count(JsonObject l, String name, long base) throws BadRequest {
    if (!l.containsKey(name)) {
      return base;
    }
    JsonValue v = l.get(name);
    if (!(v instanceof JsonNumber n) || !n.isIntegral() || n.longValue() < 0) {
      throw new BadRequest("'limits." + name + "' must be a whole number, 0 or more (0: no limit)");
    }
    return n.longValue();
  }

  /** The body's {@code models}: a list of globs, or null for any model. */
  private static ModelAllowList models(JsonObject body, ModelAllowList base) throws BadRequest {
    if (!body.containsKey("models")) {
      return base;
    }
    if (body.isNull("models")) {
      return ModelAllowList.ANY;
    }
    if (!(body.get("models") instanceof JsonArray a)) {
      throw new BadRequest("'models' must be a list of model names or globs, or null for any");
    }
    List<String> globs = new ArrayList<>();
    for (JsonValue v : a) {
      if (!(v instanceof JsonString s) || s.getString().isBlank() || s.getString().length() > 256) {
        throw new BadRequest(
            "each of 'models' must be a non-empty string of at most 256 characters");
      }
      globs.add(s.getString());
    }
    return ModelAllowList.of(globs);
  }

  private static void json(HttpServletResponse res, int status, JsonObject body)
      throws IOException {
    res.setStatus(status);
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    res.getOutputStream().write(body.toString().getBytes(StandardCharsets.UTF_8));
  }
}
