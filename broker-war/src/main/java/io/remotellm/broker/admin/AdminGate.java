package io.remotellm.broker.admin;

import io.remotellm.broker.relay.CallerAddresses;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The door of {@code /admin}: 404 for all of it when no admin key is configured (as if it did not
 * exist); the page itself (static, holding no data) is served to anyone, and its API only to a
 * request carrying an admin key. The admin key's fingerprint is left in {@link #ADMIN} for the
 * audit log. Wrong keys are throttled per caller (the remote address, or behind a trusted proxy the
 * one it names) like connector logins: past the free failures an address gets 429 with {@code
 * Retry-After} before its key is even looked at, so guessing gets slow, while an admin calling from
 * elsewhere is not held up.
 */
@WebFilter(urlPatterns = {"/admin", "/admin/*"})
public class AdminGate extends HttpFilter {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = Logger.getLogger(AdminGate.class.getName());

  /** The request attribute holding the admin key's fingerprint. */
  static final String ADMIN = "io.remotellm.broker.admin";

  @Inject transient AdminKeys keys;
  @Inject transient AdminKeyThrottle throttle;
  @Inject transient CallerAddresses callers;

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!keys.configured()) {
      error(res, 404, "not_found", "Not Found");
      return;
    }
    // The page and its data must not be framed by another site, cached, or sniffed as another type.
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'");
    res.setHeader("Referrer-Policy", "no-referrer");
    String path = req.getRequestURI().substring(req.getContextPath().length());
    if (path.startsWith("/admin/api/") || path.equals("/admin/api")) {
      String caller = callers.of(req);
      long now = System.nanoTime();
      long wait = throttle.waitMillis(caller, now);
      if (wait > 0) {
        res.setHeader("Retry-After", String.valueOf((wait + 999) / 1000));
        error(res, 429, "too_many_failures", "Too many wrong admin keys: retry later");
        return;
      }
      Optional<String> admin =
          keys.admin(req.getHeader(AdminKeys.HEADER), req.getHeader("Authorization"));
      if (admin.isEmpty()) {
        throttle.failed(caller, now);
        LOG.log(
            Level.WARNING,
            "admin API refused: {0} {1} from {2} without a valid admin key",
            new Object[] {req.getMethod(), path, caller});
        error(
            res,
            401,
            "invalid_admin_key",
            "Send an admin key in 'x-admin-key' or 'Authorization: Bearer'");
        return;
      }
      throttle.succeeded(caller);
      req.setAttribute(ADMIN, admin.get());
    }
    chain.doFilter(req, res);
  }

  static void error(HttpServletResponse res, int status, String code, String message)
      throws IOException {
    res.setStatus(status);
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    byte[] body =
        Json.createObjectBuilder()
            .add(
                "error",
                Json.createObjectBuilder()
                    .add("message", message)
                    .add("type", "admin_error")
                    .add("code", code))
            .build()
            .toString()
            .getBytes(StandardCharsets.UTF_8);
    res.getOutputStream().write(body);
  }
}
