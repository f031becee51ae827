package io.remotellm.broker.usage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UsageMeterTest {

  private static final String CHUNK =
      "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}";

  @Test
  void whatTheLlmReportedWins() {
    UsageMeter meter = meter(true);
    meter.head(200);
    meter.data(CHUNK);
    meter.data("{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}");
    assertThat(meter.usage(false)).isEqualTo(new TokenUsage(3, 1, false));
  }

  @Test
  void aStreamCutBeforeTheUsageIsEstimatedFromItsChunks() {
    UsageMeter meter = meter(true);
    meter.head(200);
    for (int i = 0; i < 5; i++) {
      meter.data(CHUNK);
    }
    // 40 characters of request: 10 tokens at four characters each.
    assertThat(meter.usage(true)).isEqualTo(new TokenUsage(10, 5, true));
  }

  @Test
  void anAnthropicStreamCutAfterMessageStartKeepsItsInputAndEstimatesTheOutput() {
    UsageMeter meter = new UsageMeter(new AnthropicUsageScanner(), true, 40);
    meter.head(200);
    meter.data(
        "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,"
            + "\"output_tokens\":1}}}");
    meter.data("{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"a\"}}");
    meter.data("{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"b\"}}");
    assertThat(meter.usage(true)).isEqualTo(new TokenUsage(25, 3, true));
  }

  @Test
  void anErrorAnswerOrNoAnswerUsedNothing() {
    UsageMeter refused = meter(false);
    refused.head(400);
    refused.data("{\"error\":{\"message\":\"bad\",\"usage\":{\"prompt_tokens\":1}}}");
    assertThat(refused.usage(false)).isEqualTo(UsageMeter.NOTHING);
    assertThat(meter(true).usage(true)).isEqualTo(TokenUsage.UNKNOWN);
  }

  private static UsageMeter meter(boolean streaming) {
    return new UsageMeter(new OpenAiUsageScanner(true), streaming, 40);
  }
}
