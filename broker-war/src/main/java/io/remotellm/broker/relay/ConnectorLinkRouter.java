package io.remotellm.broker.relay;

import io.remotellm.broker.routing.ConnectorRouter;
import jakarta.enterprise.context.ApplicationScoped;

/** The application's one router, over the live connector links. */
@ApplicationScoped
public class ConnectorLinkRouter extends ConnectorRouter<ConnectorLink> {}
