package io.remotellm.broker.usage;

/**
 * Told of every relayed request as it ends. Implement it as a CDI bean (application scoped) and
 * {@link UsageListeners} finds it. Called on the relay's threads (a connector's socket, the relay
 * timer, a client's disconnect): return quickly and never block; queue slow work (a database write)
 * and do it elsewhere.
 */
public interface UsageListener {

  void recorded(UsageRecorded usage);
}
