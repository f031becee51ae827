package io.remotellm.broker.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.Fingerprint;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * {@code GET /metrics} in Prometheus' text format, on the API port, for a scraper that sends {@code
 * Authorization: Bearer <metrics token>}. Without a metrics token configured it answers 404 as if
 * it did not exist (and so with metrics switched off): the API port faces the internet, and metrics
 * name users and models. (The health port is the server's, not the WAR's: WildFly's is its
 * management port, Liberty has none; a token works the same on all three.)
 */
@WebServlet(urlPatterns = "/metrics", loadOnStartup = 2)
public class MetricsServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Inject transient BrokerSettings settings;
  @Inject transient BrokerMetrics metrics;

  private final transient PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Optional<String> token = settings.metricsToken();
    // Switched off, there is nothing to serve: absent, as without a token.
    if (!metrics.enabled() || token.isEmpty()) {
      error(response, ApiError.forStatus(404, "Not Found"));
      return;
    }
    Optional<String> given = Credentials.bearer(request.getHeader("Authorization"));
    // Compared as digests: constant time, whatever the lengths.
    if (given.isEmpty()
        || !MessageDigest.isEqual(
            Fingerprint.sha256(given.get()), Fingerprint.sha256(token.get()))) {
      response.setHeader("WWW-Authenticate", "Bearer");
      error(response, ApiError.invalidApiKey("Missing or wrong metrics token"));
      return;
    }
    response.setStatus(200);
    response.setContentType(PrometheusTextFormatWriter.CONTENT_TYPE);
    response.setHeader("Cache-Control", "no-store");
    try (OutputStream out = response.getOutputStream()) {
      writer.write(out, metrics.scrape());
    }
  }

  private static void error(HttpServletResponse response, ApiError error) throws IOException {
    response.setStatus(error.status());
    response.setContentType("application/json");
    response.getWriter().write(error.toJson());
  }
}
