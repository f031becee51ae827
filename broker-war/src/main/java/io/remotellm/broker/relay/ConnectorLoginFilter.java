package io.remotellm.broker.relay;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.auth.LoginThrottle;
import io.remotellm.broker.error.ApiError;
import jakarta.inject.Inject;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Throttles failed connector logins per caller (the remote address, or behind a trusted reverse
 * proxy the address it names, see {@link CallerAddresses}), before the WebSocket upgrade: the
 * WebSocket API does not tell the handshake who is calling, the servlet request does. An address
 * that has failed too often gets 429 with {@code Retry-After} until its delay is over, whatever
 * token it sends. A missing or unknown token is refused here with 401, and a draining broker, or
 * one that has not read the revoked tokens from its database yet, answers 503, so the WebSocket is
 * never opened only to be closed; {@link ConnectorHandshakeConfigurator} and the endpoint check
 * again, for a server that would run the upgrade before this filter.
 */
@WebFilter(urlPatterns = "/ws", asyncSupported = true)
public class ConnectorLoginFilter implements Filter {

  private static final Logger LOG = Logger.getLogger(ConnectorLoginFilter.class.getName());

  @Inject LoginThrottle throttle;
  @Inject Credentials credentials;
  @Inject ConnectorRegistry registry;
  @Inject CallerAddresses callers;
  @Inject HandshakeAddresses handshakes;

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse out) {
      // Behind a trusted reverse proxy, the caller it names: not the proxy, which all share.
      String address = callers.of(http);
      long now = System.nanoTime();
      long wait = throttle.waitMillis(address, now);
      if (wait > 0) {
        LOG.log(
            Level.FINE,
            "connector login from {0} throttled for {1} ms",
            new Object[] {address, wait});
        refuse(
            out,
            ApiError.rateLimited("Too many failed connector logins"),
            String.valueOf((wait + 999) / 1000));
        return;
      }
      if (!registry.accepting()) {
        // Connectors turned away by the drain redial within seconds: send them on, not back in.
        refuse(out, ApiError.unavailable("The broker is shutting down"), "1");
        return;
      }
      if (!credentials.revocationsKnown()) {
        // A token revoked before the restart must not slip in before the database is read.
        refuse(
            out,
            ApiError.unavailable(
                "The broker has not read its revoked connector tokens yet (database not reached)"),
            "5");
        return;
      }
      String header = http.getHeader("Authorization");
      if (credentials.connector(header).isEmpty()) {
        throttle.failed(address, now);
        LOG.log(
            Level.WARNING,
            "connector refused from {0}: {1}",
            new Object[] {address, ConnectorHandshakeConfigurator.refusal(header)});
        // Refused here, at the upgrade, with 401: accepting the socket only to close it in
        // onOpen races Payara's upgrade (seen as a lost close frame, or a stray 301/404/500 on
        // the next handshake, about once in a few hundred tries).
        out.setHeader("WWW-Authenticate", "Bearer");
        refuse(out, ApiError.invalidApiKey("Invalid connector token"), null);
        return;
      }
      throttle.succeeded(address);
      // For the admin page: the WebSocket handshake itself is not told who is calling.
      handshakes.remember(http.getHeader("Sec-WebSocket-Key"), address);
    }
    chain.doFilter(request, response);
  }

  private static void refuse(HttpServletResponse out, ApiError error, String retryAfter)
      throws IOException {
    out.setStatus(error.status());
    if (retryAfter != null) {
      out.setHeader("Retry-After", retryAfter);
    }
    out.setContentType("application/json");
    out.setCharacterEncoding("UTF-8");
    out.getWriter().write(error.toJson());
  }
}
