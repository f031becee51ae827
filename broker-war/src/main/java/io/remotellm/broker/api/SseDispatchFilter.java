package io.remotellm.broker.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Tells a streamed answer's {@link SseCloseGate} when the request thread has left the JAX-RS
 * runtime, so the stream is never closed while Jersey still flushes its first events. Only a gate
 * this filter created ever waits, so a server that skipped the filter would close at once, as
 * before, rather than hang the stream.
 */
@WebFilter(urlPatterns = "/v1/*", asyncSupported = true)
public class SseDispatchFilter extends HttpFilter {

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    SseCloseGate gate = SseCloseGate.dispatching();
    req.setAttribute(SseCloseGate.ATTRIBUTE, gate);
    try {
      chain.doFilter(req, res);
    } finally {
      gate.dispatchEnded();
    }
  }
}
