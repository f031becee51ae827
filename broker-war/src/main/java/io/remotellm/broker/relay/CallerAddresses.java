package io.remotellm.broker.relay;

import io.remotellm.broker.auth.TrustedProxies;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConfigurationException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import java.util.logging.Logger;

/**
 * Who is calling, for the login throttle: the remote address, or behind a trusted reverse proxy
 * ({@code remotellm.broker.trusted-proxies}) the caller it names in {@code X-Forwarded-For}.
 */
@ApplicationScoped
public class CallerAddresses {

  private static final Logger LOG = Logger.getLogger(CallerAddresses.class.getName());

  @Inject BrokerSettings settings;

  private TrustedProxies proxies;

  /** Parsed at deployment: a wrong entry stops the broker with its name, not a request later. */
  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    LOG.fine("trusted proxies checked at startup");
  }

  @PostConstruct
  void load() {
    try {
      proxies = TrustedProxies.parse(settings.trustedProxies());
    } catch (ConfigurationException e) {
      LOG.severe("Broker not started: " + e.getMessage());
      throw e;
    }
    if (!proxies.isEmpty()) {
      LOG.info("X-Forwarded-For is believed from " + settings.trustedProxies());
    }
  }

  public String of(HttpServletRequest request) {
    return proxies.clientOf(request.getRemoteAddr(), request.getHeader("X-Forwarded-For"));
  }
}
