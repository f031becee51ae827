package io.remotellm.broker.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

  @Test
  void resetsAreWrittenAsOpenAiWritesThem() {
    assertThat(RateLimitHeaders.duration(20)).isEqualTo("20ms");
    assertThat(RateLimitHeaders.duration(1000)).isEqualTo("1s");
    assertThat(RateLimitHeaders.duration(1500)).isEqualTo("1.5s");
    assertThat(RateLimitHeaders.duration(59_999)).isEqualTo("59.999s");
    assertThat(RateLimitHeaders.duration(360_000)).isEqualTo("6m0s");
    assertThat(RateLimitHeaders.duration(3_723_000)).isEqualTo("1h2m3s");
    assertThat(RateLimitHeaders.duration(-5)).isEqualTo("0ms");
  }

  @Test
  void aRefusalHasRetryAfterInWholeSecondsRoundedUp() {
    Admission refused = new Admission("requests_per_minute", 1200, 60, 0, 1200, 1000, 900, 30_000);
    assertThat(RateLimitHeaders.of(refused))
        .containsEntry("x-ratelimit-limit-requests", "60")
        .containsEntry("x-ratelimit-remaining-requests", "0")
        .containsEntry("x-ratelimit-reset-requests", "1.2s")
        .containsEntry("x-ratelimit-limit-tokens", "1000")
        .containsEntry("x-ratelimit-remaining-tokens", "900")
        .containsEntry("x-ratelimit-reset-tokens", "30s")
        .containsEntry("Retry-After", "2");
  }

  @Test
  void anAdmittedRequestHasNoRetryAfter() {
    Admission ok = new Admission(null, 0, 60, 59, 60_000, -1, -1, 0);
    assertThat(RateLimitHeaders.of(ok))
        .containsOnlyKeys(
            "x-ratelimit-limit-requests",
            "x-ratelimit-remaining-requests",
            "x-ratelimit-reset-requests");
  }
}
