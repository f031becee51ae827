package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LlmBodyRelayTest {

  @Test
  void parsesOnlyChunksWhoseUsageIsAnObject() {
    assertThat(LlmBodyRelay.hasUsageObject("{\"choices\":[],\"usage\":null}")).isFalse();
    assertThat(LlmBodyRelay.hasUsageObject("{\"choices\":[]}")).isFalse();
    assertThat(LlmBodyRelay.hasUsageObject("{\"usage\": {\"total_tokens\":3}}")).isTrue();
    assertThat(LlmBodyRelay.hasUsageObject("{\"usage\":{\"total_tokens\":3}}")).isTrue();
  }

  @Test
  void findsUsageAtTheEndOfALargeBody() {
    String tail =
        "xx tok9 \"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":9}}";
    assertThat(LlmBodyRelay.usageInTail(tail).getInt("completion_tokens")).isEqualTo(9);
    assertThat(LlmBodyRelay.usageInTail("no usage here")).isNull();
    assertThat(LlmBodyRelay.usageOf("{\"usage\":{\"total_tokens\":1}}").getInt("total_tokens"))
        .isEqualTo(1);
    assertThat(LlmBodyRelay.usageOf("not json")).isNull();
  }

  private static final String[] KEYS = {
    "usage", "response", "eval_count", "prompt_eval_count", "choices", "id", "model", "done"
  };

  /**
   * The streaming read of a whole body against the parsed one, on generated bodies: well-formed
   * ones with every key it looks for in any order, repeated or of another type, and broken ones
   * (cut short, text after the object, a stray comma, not an object at all).
   */
  @Test
  void readsAWholeBodysUsageAsParsingItWholeDoes() {
    Random random = new Random(29);
    int found = 0;
    for (int i = 0; i < 30_000; i++) {
      String body = object(random, 0);
      switch (random.nextInt(8)) {
        case 0 -> body = body.substring(0, random.nextInt(body.length() + 1));
        case 1 -> body = body + (random.nextBoolean() ? " x" : " {}");
        case 2 -> {
          int at = random.nextInt(body.length());
          body = body.substring(0, at) + "," + body.substring(at);
        }
        case 3 -> body = "[" + body + "]";
        default -> {}
      }
      var expected = LlmBodyRelay.usageOf(body);
      assertThat(LlmBodyRelay.usageOfBody(body)).as(body).isEqualTo(expected);
      found += expected == null ? 0 : 1;
    }
    assertThat(found).as("bodies with a usage").isGreaterThan(1_000);
  }

  private static String object(Random random, int depth) {
    StringBuilder out = new StringBuilder("{");
    int fields = random.nextInt(6);
    for (int i = 0; i < fields; i++) {
      if (i > 0) {
        out.append(random.nextInt(10) == 0 ? " , " : ",");
      }
      out.append('"')
          .append(KEYS[random.nextInt(KEYS.length)])
          .append("\":")
          .append(value(random, depth));
    }
    return out.append('}').toString();
  }

  private static String value(Random random, int depth) {
    return switch (random.nextInt(depth < 3 ? 8 : 5)) {
      case 0 -> Integer.toString(random.nextInt(1000) - 10);
      case 1 -> random.nextBoolean() ? "1.5e3" : "99999999999999999999";
      case 2 -> "\"s \\\" \\u00e9\"";
      case 3 -> "null";
      case 4 -> random.nextBoolean() ? "true" : "[]";
      case 5, 6 -> object(random, depth + 1);
      default -> "[" + value(random, depth + 1) + "," + object(random, depth + 1) + "]";
    };
  }
}
