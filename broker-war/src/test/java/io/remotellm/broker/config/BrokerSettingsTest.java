package io.remotellm.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BrokerSettingsTest {

  @Test
  void theFrameLimitIsNeverBelowOneMebibyte() {
    BrokerSettings settings = new BrokerSettings();
    settings.maxFrameBytes = 16 * 1024;
    assertThat(settings.maxFrameBytes()).isEqualTo(1024 * 1024);
    settings.maxFrameBytes = 64 * 1024 * 1024;
    assertThat(settings.maxFrameBytes()).isEqualTo(64 * 1024 * 1024);
  }
}
