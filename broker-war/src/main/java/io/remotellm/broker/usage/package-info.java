/**
 * What a relayed request used, told once per request when it ends: {@link
 * io.remotellm.broker.usage.UsageRecorded} goes to every {@link
 * io.remotellm.broker.usage.UsageListener} (the limiter charges tokens, the metrics count them, the
 * ledger stores a row) through {@link io.remotellm.broker.usage.UsageListeners}.
 */
package io.remotellm.broker.usage;
