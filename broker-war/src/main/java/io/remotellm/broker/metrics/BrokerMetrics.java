package io.remotellm.broker.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.usage.UsageListener;
import io.remotellm.broker.usage.UsageRecorded;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.logging.Logger;

/**
 * The broker's metrics: what happens to requests (fed by {@link UsageRecorded}), to limits and to
 * connector links. Names follow the OpenTelemetry GenAI conventions where one exists ({@code
 * gen_ai_server_request_duration_seconds}, {@code gen_ai_server_time_to_first_token_seconds},
 * {@code gen_ai_client_token_usage}); the rest are {@code remotellm_*}. The registry is this bean's
 * own, not the client library's static default, and keeps no exemplars (they would reach for the
 * server's OpenTelemetry on every observation). Gauges read live state at scrape time ({@link
 * MetricGauges}). With {@code remotellm.broker.metrics-enabled=false} every recording method
 * returns at once and the registry stays empty, so metrics cost a switched-off broker one branch
 * per call.
 */
@ApplicationScoped
public class BrokerMetrics implements UsageListener {

  /** OpenTelemetry's advised buckets for gen_ai.server.request.duration, in seconds. */
  private static final double[] DURATION_BUCKETS = {
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
  };

  /** OpenTelemetry's advised buckets for gen_ai.server.time_to_first_token, in seconds. */
  private static final double[] TTFT_BUCKETS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
  };

  /** OpenTelemetry's advised buckets for gen_ai.client.token.usage. */
  private static final double[] TOKEN_BUCKETS = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
  };

  /** Round trips of a WebSocket ping, in seconds. */
  private static final double[] RTT_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
  };

  private static final Logger LOG = Logger.getLogger(BrokerMetrics.class.getName());

  @Inject BrokerSettings settings;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private boolean enabled = true;
  private boolean userLabel = true;
  private BoundedLabels models = new BoundedLabels(200);

  private Counter requests;
  private Histogram duration;
  private Histogram timeToFirstToken;
  private Histogram tokenUsage;
  private Counter tokens;
  private Counter rateLimited;
  private Counter attaches;
  private Histogram roundTrip;

  @PostConstruct
  void init() {
    if (settings != null) {
      enabled = settings.metricsEnabled();
      userLabel = settings.metricsUserLabel();
      models = new BoundedLabels(settings.metricsMaxModels());
    }
    if (!enabled) {
      LOG.info("Metrics off (remotellm.broker.metrics-enabled=false)");
      return; // nothing registered: a scrape would be empty, and none is served
    }
    requests =
        Counter.builder()
            .name("remotellm_requests_total")
            .help(
                "Requests to the relayed calls by API, model, user and status class (2xx, 4xx,"
                    + " 5xx), those refused before relaying (401, 404, 413, 429...) included")
            .labelNames(names("api", "model", "status"))
            .withoutExemplars()
            .register(registry);
    duration =
        Histogram.builder()
            .name("gen_ai_server_request_duration_seconds")
            .help("Relayed requests from arrival to the end of the answer")
            .labelNames("api", "model", "status")
            .classicUpperBounds(DURATION_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    timeToFirstToken =
        Histogram.builder()
            .name("gen_ai_server_time_to_first_token_seconds")
            .help("From arrival to the first answer byte from the connector")
            .labelNames("api", "model")
            .classicUpperBounds(TTFT_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    tokenUsage =
        Histogram.builder()
            .name("gen_ai_client_token_usage")
            .help("Tokens per relayed request, by type (input, output)")
            .labelNames("api", "model", "token_type")
            .classicUpperBounds(TOKEN_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    tokens =
        Counter.builder()
            .name("remotellm_tokens_total")
            .help("Tokens used, by model, user and type (input, output)")
            .labelNames(names("model", "token_type"))
            .withoutExemplars()
            .register(registry);
    rateLimited =
        Counter.builder()
            .name("remotellm_rate_limited_total")
            .help("Requests refused with 429, by the limit that refused them")
            .labelNames("limit")
            .withoutExemplars()
            .register(registry);
    attaches =
        Counter.builder()
            .name("remotellm_connector_attaches_total")
            .help("Connector links attached (a connector's reconnects count here too)")
            .withoutExemplars()
            .register(registry);
    roundTrip =
        Histogram.builder()
            .name("remotellm_relay_round_trip_seconds")
            .help("Round trip of a heartbeat ping over a connector's link")
            .classicUpperBounds(RTT_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    for (String limit :
        new String[] {
          "requests_per_minute", "tokens_per_minute", "tokens_per_day", "max_concurrent"
        }) {
      rateLimited.labelValues(limit); // every limit shows, at 0 until it refuses
    }
  }

  /** Whether metrics are recorded and served; see {@link BrokerSettings#metricsEnabled()}. */
  public boolean enabled() {
    return enabled;
  }

  /** A bean without CDI, for tests. */
  public static BrokerMetrics standalone() {
    BrokerMetrics metrics = new BrokerMetrics();
    metrics.init();
    return metrics;
  }

  PrometheusRegistry registry() {
    return registry;
  }

  /** The model's label: its name while fewer than the cap have been seen, else {@code other}. */
  String model(String name) {
    return models.label(name);
  }

  public MetricSnapshots scrape() {
    return registry.scrape();
  }

  @Override
  public void recorded(UsageRecorded u) {
    if (!enabled) {
      return;
    }
    String model = models.label(u.model());
    String status = (u.status() / 100) + "xx";
    requests.labelValues(values(u.user(), u.api(), model, status)).inc();
    duration.labelValues(u.api(), model, status).observe(seconds(u.duration().toNanos()));
    if (u.timeToFirstToken() != null) {
      timeToFirstToken.labelValues(u.api(), model).observe(seconds(u.timeToFirstToken().toNanos()));
    }
    if (u.usage().total() > 0) {
      tokenUsage.labelValues(u.api(), model, "input").observe(u.usage().input());
      tokenUsage.labelValues(u.api(), model, "output").observe(u.usage().output());
      tokens.labelValues(values(u.user(), model, "input")).inc(u.usage().input());
      tokens.labelValues(values(u.user(), model, "output")).inc(u.usage().output());
    }
  }

  /**
   * A request to a relayed call that was answered before the relay took it: a bad key (401), a
   * model outside the allow-list or served by nobody (404), a body too large (413) or malformed
   * (400), a limit (429), no connector (503). It counts in {@code remotellm_requests_total} only;
   * the latency and token metrics stay those of relayed requests.
   *
   * @param user the user's name, or null before a key was accepted (labelled {@code -})
   * @param api the family's wire name
   * @param model the model the body named, or null
   * @param served whether a connector serves {@code model}: a name nobody serves is a client's free
   *     text and never becomes a label of its own ({@code other})
   * @param status the HTTP status answered
   */
  public void refused(String user, String api, String model, boolean served, int status) {
    if (!enabled) {
      return;
    }
    String label = served ? models.label(model) : BoundedLabels.OTHER;
    requests
        .labelValues(values(user == null ? "-" : user, api, label, (status / 100) + "xx"))
        .inc();
  }

  public void rateLimited(String limit) {
    if (!enabled) {
      return;
    }
    rateLimited.labelValues(limit).inc();
  }

  public void connectorAttached() {
    if (!enabled) {
      return;
    }
    attaches.inc();
  }

  public void roundTrip(long nanos) {
    if (!enabled) {
      return;
    }
    roundTrip.observe(seconds(nanos));
  }

  /** Label names with {@code user} first, unless the user label is switched off. */
  private String[] names(String... rest) {
    return values("user", rest);
  }

  /** Label values with the user's name first, unless the user label is switched off. */
  private String[] values(String user, String... rest) {
    if (!userLabel) {
      return rest;
    }
    String[] all = new String[rest.length + 1];
    all[0] = user;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
