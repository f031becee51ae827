package io.remotellm.broker.relay;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServlet;

/**
 * Serves nothing (web.xml maps it to no URL); its {@link #destroy()} is the first thing the web
 * module runs of ours when it stops (undeploy, SIGTERM). It is declared before every other servlet
 * so that it is destroyed before the JAX-RS servlet: streams in flight can still be written while
 * the relay drains. Later hooks ({@code contextDestroyed}, {@code @PreDestroy}) come after the
 * JAX-RS runtime is gone, too late to finish a stream.
 */
public class RelayDrainServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Inject transient Dispatcher dispatcher;

  @Override
  public void destroy() {
    dispatcher.drain();
  }
}
