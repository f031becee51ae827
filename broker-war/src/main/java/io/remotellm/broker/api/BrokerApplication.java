package io.remotellm.broker.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/**
 * The OpenAI-compatible API lives under {@code /v1}; the rest of the root context stays free for
 * the relay socket at {@code /ws}.
 */
@ApplicationPath("v1")
public class BrokerApplication extends Application {}
