package io.remotellm.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.usage.TokenUsage;
import io.remotellm.broker.usage.UsageRecorded;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BrokerMetricsTest {

  @Test
  void modelLabelsStopAtTheCapAndTheRestCountAsOther() throws Exception {
    BrokerMetrics metrics = metrics(true, 2);
    metrics.recorded(usage("m1", "alice", 200));
    metrics.recorded(usage("m2", "alice", 200));
    metrics.recorded(usage("m3", "alice", 200));
    metrics.recorded(usage("m4", "alice", 503));
    String text = text(metrics);
    assertThat(text)
        .contains(
            "remotellm_requests_total{api=\"openai\",model=\"m1\",status=\"2xx\",user=\"alice\"} 1.0")
        .contains(
            "remotellm_requests_total{api=\"openai\",model=\"other\",status=\"2xx\",user=\"alice\"} 1.0")
        .contains(
            "remotellm_requests_total{api=\"openai\",model=\"other\",status=\"5xx\",user=\"alice\"} 1.0")
        .doesNotContain("m3")
        .doesNotContain("m4");
  }

  @Test
  void theUserLabelCanBeSwitchedOff() throws Exception {
    BrokerMetrics metrics = metrics(false, 200);
    metrics.recorded(usage("m", "alice", 200));
    String text = text(metrics);
    assertThat(text)
        .contains("remotellm_requests_total{api=\"openai\",model=\"m\",status=\"2xx\"} 1.0")
        .contains("remotellm_tokens_total{model=\"m\",token_type=\"input\"} 12.0")
        .doesNotContain("alice")
        .doesNotContain("user=");
  }

  @Test
  void tokensAndLatencyAreCounted() throws Exception {
    BrokerMetrics metrics = metrics(true, 200);
    metrics.recorded(usage("m", "bob", 200));
    metrics.recorded(usage("m", "bob", 200));
    metrics.rateLimited("tokens_per_day");
    String text = text(metrics);
    assertThat(text)
        .contains("remotellm_tokens_total{model=\"m\",token_type=\"output\",user=\"bob\"} 68.0")
        .contains(
            "gen_ai_client_token_usage_sum{api=\"openai\",model=\"m\",token_type=\"input\"} 24.0")
        .contains("gen_ai_server_time_to_first_token_seconds_count{api=\"openai\",model=\"m\"} 2")
        .contains(
            "gen_ai_server_request_duration_seconds_count{api=\"openai\",model=\"m\",status=\"2xx\"} 2")
        .contains("remotellm_rate_limited_total{limit=\"tokens_per_day\"} 1.0")
        .contains("remotellm_rate_limited_total{limit=\"requests_per_minute\"} 0.0");
  }

  @Test
  void refusedRequestsCountWithTheirStatusClassAndNeverMakeAModelLabelOfClientText()
      throws Exception {
    BrokerMetrics metrics = metrics(true, 200);
    metrics.refused(null, "anthropic", null, false, 401);
    metrics.refused("alice", "ollama", "served-m", true, 404);
    metrics.refused("alice", "openai", "<script>nobody-serves-this", false, 404);
    metrics.refused("alice", "openai", null, false, 413);
    metrics.refused("bob", "responses", "served-m", true, 429);
    metrics.refused("bob", "openai", "served-m", true, 503);
    String text = text(metrics);
    assertThat(text)
        .contains(
            "remotellm_requests_total{api=\"anthropic\",model=\"other\",status=\"4xx\",user=\"-\"} 1.0")
        .contains(
            "remotellm_requests_total{api=\"ollama\",model=\"served-m\",status=\"4xx\",user=\"alice\"} 1.0")
        .contains(
            "remotellm_requests_total{api=\"openai\",model=\"other\",status=\"4xx\",user=\"alice\"} 2.0")
        .contains(
            "remotellm_requests_total{api=\"responses\",model=\"served-m\",status=\"4xx\",user=\"bob\"} 1.0")
        .contains(
            "remotellm_requests_total{api=\"openai\",model=\"served-m\",status=\"5xx\",user=\"bob\"} 1.0")
        .doesNotContain("nobody-serves-this")
        // Latency stays that of relayed requests: a refusal takes microseconds.
        .doesNotContain("gen_ai_server_request_duration_seconds_count");
  }

  @Test
  void switchedOffNothingIsRecorded() throws Exception {
    BrokerMetrics metrics = metrics(false, true, 200);
    metrics.recorded(usage("m", "alice", 200));
    metrics.rateLimited("tokens_per_day");
    metrics.refused("alice", "openai", "m", true, 401);
    metrics.connectorAttached();
    metrics.roundTrip(1_000_000);
    assertThat(metrics.enabled()).isFalse();
    assertThat(metrics.scrape()).isEmpty();
    assertThat(text(metrics)).doesNotContain("remotellm_").doesNotContain("gen_ai_");
    assertThat(metrics(true, true, 200).enabled()).isTrue();
  }

  private static BrokerMetrics metrics(boolean userLabel, int maxModels) {
    return metrics(true, userLabel, maxModels);
  }

  private static BrokerMetrics metrics(boolean enabled, boolean userLabel, int maxModels) {
    BrokerMetrics metrics = new BrokerMetrics();
    metrics.settings =
        new BrokerSettings() {
          @Override
          public boolean metricsEnabled() {
            return enabled;
          }

          @Override
          public boolean metricsUserLabel() {
            return userLabel;
          }

          @Override
          public int metricsMaxModels() {
            return maxModels;
          }
        };
    metrics.init();
    return metrics;
  }

  private static UsageRecorded usage(String model, String user, int status) {
    return new UsageRecorded(
        Instant.now(),
        "r",
        user,
        "openai",
        "/v1/chat/completions",
        model,
        "c1",
        status,
        false,
        false,
        new TokenUsage(12, 34, false),
        Duration.ofMillis(20),
        Duration.ofMillis(150));
  }

  private static String text(BrokerMetrics metrics) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }
}
