package io.remotellm.broker.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.LlmApi;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each API family's usage, read from its real wire shapes (as the APIs' references show them). */
class UsageScannersTest {

  // ---- OpenAI chat completions ----------------------------------------------------------

  private static final String CHUNK =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"llama3.2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
          + "\"finish_reason\":null}],\"usage\":null}";
  private static final String USAGE_CHUNK =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"llama3.2\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
          + "\"completion_tokens\":34,\"total_tokens\":46,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}";

  @Test
  void openAiStreamReportsTheLastChunksUsageAndHidesItWhenTheBrokerAskedForIt() {
    UsageScanner hidden = UsageScanners.forApi(LlmApi.OPENAI, true);
    assertThat(hidden.event(CHUNK)).isTrue();
    assertThat(hidden.reported()).isNull();
    assertThat(hidden.event(USAGE_CHUNK)).isFalse();
    assertThat(hidden.event("[DONE]")).isTrue();
    assertThat(hidden.reported()).isEqualTo(new TokenUsage(12, 34, false));

    UsageScanner asked = UsageScanners.forApi(LlmApi.OPENAI, false);
    assertThat(asked.event(USAGE_CHUNK)).isTrue(); // the client asked: it sees the chunk
    assertThat(asked.reported()).isEqualTo(new TokenUsage(12, 34, false));
  }

  @Test
  void openAiUsageOnAContentChunkIsReadAndTheChunkStillReachesTheClient() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.OPENAI, true);
    String last =
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";
    assertThat(scanner.event(last)).isTrue();
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(5, 7, false));
  }

  @Test
  void openAiGeneratedTextThatMentionsUsageIsNotUsage() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.OPENAI, true);
    String sly =
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\\"usage\\\":{\\\"prompt_tokens\\\""
            + ":999}\"}}],\"usage\":null}";
    assertThat(scanner.event(sly)).isTrue();
    assertThat(scanner.reported()).isNull();
  }

  @Test
  void openAiBodyUsageIsFoundWhereverThePiecesSplitIt() {
    String body =
        "{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\""
            + "x".repeat(70_000)
            + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,"
            + "\"completion_tokens\":17500,\"total_tokens\":17509}}";
    for (int split = body.length() - 80; split < body.length() - 1; split += 3) {
      UsageScanner scanner = UsageScanners.forApi(LlmApi.OPENAI, false);
      scanner.body(body.substring(0, split));
      scanner.body(body.substring(split));
      assertThat(scanner.reported())
          .as("split at %d", split)
          .isEqualTo(new TokenUsage(9, 17500, false));
    }
  }

  @Test
  void embeddingsHaveInputTokensOnly() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.OPENAI, false);
    scanner.body(
        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.1,-0.2]}],\"model\":\"nomic\","
            + "\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}");
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(8, 0, false));
  }

  // ---- Responses ------------------------------------------------------------------------

  @Test
  void responsesStreamTakesUsageFromResponseCompleted() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.RESPONSES, false);
    List<String> events =
        List.of(
            "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\","
                + "\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],\"usage\":null}}",
            "{\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"item_id\":\"msg_1\","
                + "\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}",
            "{\"type\":\"response.completed\",\"sequence_number\":9,\"response\":{\"id\":\"resp_1\","
                + "\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"type\":\"message\","
                + "\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\"}]}],\"usage\":{"
                + "\"input_tokens\":36,\"input_tokens_details\":{\"cached_tokens\":0},"
                + "\"output_tokens\":87,\"output_tokens_details\":{\"reasoning_tokens\":0},"
                + "\"total_tokens\":123}}}");
    for (String event : events) {
      assertThat(scanner.event(event)).isTrue();
      if (!event.contains("completed")) {
        assertThat(scanner.reported()).isNull();
      }
    }
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(36, 87, false));
  }

  @Test
  void responsesBody() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.RESPONSES, false);
    scanner.body(
        "{\"id\":\"resp_2\",\"object\":\"response\",\"status\":\"completed\",\"output\":[],"
            + "\"usage\":{\"input_tokens\":3,\"input_tokens_details\":{\"cached_tokens\":1},"
            + "\"output_tokens\":4,\"total_tokens\":7}}");
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(3, 4, false));
  }

  // ---- Anthropic ------------------------------------------------------------------------

  private static final String MESSAGE_START =
      "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
          + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"stop_reason\":null,"
          + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,"
          + "\"cache_read_input_tokens\":5,\"output_tokens\":1}}}";

  @Test
  void anthropicStreamAddsMessageStartsInputToMessageDeltasOutput() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.ANTHROPIC, false);
    scanner.event(MESSAGE_START);
    assertThat(scanner.complete()).isFalse();
    scanner.event("{\"type\":\"ping\"}");
    scanner.event(
        "{\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}");
    scanner.event(
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}");
    scanner.event("{\"type\":\"message_stop\"}");
    assertThat(scanner.complete()).isTrue();
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(30, 15, false));
  }

  @Test
  void anthropicBody() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.ANTHROPIC, false);
    scanner.body(
        "{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":"
            + "\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":"
            + "10,\"output_tokens\":2}}");
    assertThat(scanner.complete()).isTrue();
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(10, 2, false));
  }

  // ---- Ollama ---------------------------------------------------------------------------

  @Test
  void ollamaStreamTakesTheCountsOfTheDoneLine() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.OLLAMA, false);
    scanner.event(
        "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}");
    assertThat(scanner.reported()).isNull();
    scanner.event(
        "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-01T00:00:01Z\",\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"stop\",\"done\":true,"
            + "\"total_duration\":4883583458,\"load_duration\":1334875,\"prompt_eval_count\":26,"
            + "\"prompt_eval_duration\":342546000,\"eval_count\":282,"
            + "\"eval_duration\":4535599000}");
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(26, 282, false));
  }

  @Test
  void ollamaLeavesOutAZeroPromptCount() {
    UsageScanner scanner = UsageScanners.forApi(LlmApi.OLLAMA, false);
    scanner.body(
        "{\"model\":\"llama3.2\",\"response\":\"Hi\",\"done\":true,\"eval_count\":3,"
            + "\"eval_duration\":1000}");
    assertThat(scanner.reported()).isEqualTo(new TokenUsage(0, 3, false));
  }
}
