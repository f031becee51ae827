package io.remotellm.broker.ledger;

import io.remotellm.broker.usage.TokenUsage;
import io.remotellm.broker.usage.UsageRecorded;
import java.time.Duration;
import java.time.Instant;

/** Usage records for the ledger's tests. */
final class Usages {

  private Usages() {}

  static UsageRecorded of(
      Instant started, String user, String model, int status, long in, long out, boolean est) {
    return new UsageRecorded(
        started,
        "req-" + started.toEpochMilli() + "-" + in + "-" + out,
        user,
        "openai",
        "/v1/chat/completions",
        model,
        "c1",
        status,
        status == 499,
        true,
        new TokenUsage(in, out, est),
        Duration.ofMillis(12),
        Duration.ofMillis(340));
  }
}
