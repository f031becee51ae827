package io.remotellm.broker.relay;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.auth.LoginThrottle;
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
 * Throttles failed connector logins per remote address, before the WebSocket upgrade: the
 * WebSocket API does not tell the handshake who is calling, the servlet request does. An address
 * that has failed too often gets 429 with {@code Retry-After} until its delay is over, whatever
 * token it sends; the token check itself stays with {@link ConnectorHandshakeConfigurator}.
 */
@WebFilter(urlPatterns = "/ws", asyncSupported = true)
public class ConnectorLoginFilter implements Filter {

  private static final Logger LOG = Logger.getLogger(ConnectorLoginFilter.class.getName());

  @Inject LoginThrottle throttle;
  @Inject Credentials credentials;

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse out) {
      String address = http.getRemoteAddr();
      long now = System.nanoTime();
      long wait = throttle.waitMillis(address, now);
      if (wait > 0) {
        LOG.log(Level.FINE, "connector login from {0} throttled for {1} ms", new Object[] {address, wait});
        out.setHeader("Retry-After", String.valueOf((wait + 999) / 1000));
        out.sendError(429, "Too many failed connector logins");
        return;
      }
      if (credentials.connector(http.getHeader("Authorization")).isPresent()) {
        throttle.succeeded(address);
      } else {
        throttle.failed(address, now);
      }
    }
    chain.doFilter(request, response);
  }
}
