package io.remotellm.broker.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.remotellm.broker.relay.ConnectorRegistry;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.usage.LedgerGauge;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * The metrics read from live state at each scrape rather than counted: requests in flight,
 * connectors and models up, and the ledger's queue and drops when a ledger is deployed.
 */
@ApplicationScoped
public class MetricGauges {

  @Inject BrokerMetrics metrics;
  @Inject Dispatcher dispatcher;
  @Inject ConnectorRegistry connectors;
  @Inject Instance<LedgerGauge> ledger;

  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    if (!metrics.enabled()) {
      return; // nothing is scraped, so nothing to read at scrape time
    }
    var registry = metrics.registry();
    GaugeWithCallback.builder()
        .name("remotellm_requests_in_flight")
        .help("Relayed requests in flight")
        .callback(cb -> cb.call(dispatcher.inFlight()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("remotellm_connectors_connected")
        .help("Connectors attached and routable")
        .callback(cb -> cb.call(connectors.attached()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("remotellm_model_up")
        .help("1 for each model a connected connector serves (up to the model label cap)")
        .labelNames("model")
        .callback(
            cb -> {
              java.util.Set<String> shown = new java.util.HashSet<>();
              for (String model : connectors.models()) {
                String label = metrics.model(model);
                if (shown.add(label)) {
                  cb.call(1, label);
                }
              }
            })
        .register(registry);
    if (ledger.isResolvable()) {
      LedgerGauge gauge = ledger.get();
      GaugeWithCallback.builder()
          .name("remotellm_ledger_queued_records")
          .help("Usage records waiting to be written to the database")
          .callback(cb -> cb.call(gauge.queued()))
          .register(registry);
      CounterWithCallback.builder()
          .name("remotellm_ledger_dropped_records_total")
          .help("Usage records dropped because the ledger's queue was full")
          .callback(cb -> cb.call(gauge.dropped()))
          .register(registry);
    }
  }
}
