package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link JsonText#value} against JSON-P's own writer, on generated values and on parsed ones. */
class JsonTextTest {
  private static final String[] STRINGS = {
    "",
    "plain",
    "tok 42",
    "line1\nline2\r\n\ttab \"q\" \\ /",
    "\u0000\u0001\u001f\u007f\b\f",
    "h\u00e9llo \u4e16\u754c \ud83d\ude00 \u2028\u2029 \ufeff \ud800",
    "prompt_tokens"
  };

  @Test
  void writesWhatJsonPWritesForGeneratedValues() {
    Random random = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      JsonValue value = object(random, 0);
      StringBuilder out = new StringBuilder();
      JsonText.value(out, value);
      assertThat(out.toString()).isEqualTo(value.toString());
      // And as the connector has it: read from an LLM's text.
      try (JsonReader reader = Json.createReader(new StringReader(value.toString()))) {
        JsonValue parsed = reader.readValue();
        StringBuilder again = new StringBuilder();
        JsonText.value(again, parsed);
        assertThat(again.toString()).isEqualTo(parsed.toString());
      }
    }
  }

  @Test
  void writesNumbersAsTheLlmSentThemOnceParsed() {
    String text =
        "{\"a\":1,\"b\":-0,\"c\":1.50,\"d\":1e400,\"e\":-2.5E-3,\"f\":12345678901234567890123,"
            + "\"g\":[true,false,null,{}],\"h\":[]}";
    try (JsonReader reader = Json.createReader(new StringReader(text))) {
      JsonValue parsed = reader.readValue();
      StringBuilder out = new StringBuilder();
      JsonText.value(out, parsed);
      assertThat(out.toString()).isEqualTo(parsed.toString());
    }
  }

  private static JsonValue object(Random random, int depth) {
    JsonObjectBuilder object = Json.createObjectBuilder();
    int fields = random.nextInt(5);
    for (int i = 0; i < fields; i++) {
      String key = STRINGS[random.nextInt(STRINGS.length)] + i;
      switch (random.nextInt(depth < 3 ? 9 : 7)) {
        case 0 -> object.add(key, random.nextInt());
        case 1 -> object.add(key, random.nextLong());
        case 2 -> object.add(key, new BigDecimal(random.nextGaussian() * 1e6).setScale(3, 0));
        case 3 -> object.add(key, new BigInteger(90, random));
        case 4 -> object.add(key, STRINGS[random.nextInt(STRINGS.length)]);
        case 5 -> object.add(key, random.nextBoolean());
        case 6 -> object.addNull(key);
        case 7 -> object.add(key, object(random, depth + 1));
        default -> {
          JsonArrayBuilder array = Json.createArrayBuilder();
          for (int j = random.nextInt(4); j > 0; j--) {
            array.add(
                j % 2 == 0 ? object(random, depth + 1) : Json.createValue(random.nextDouble()));
          }
          object.add(key, array);
        }
      }
    }
    return object.build();
  }
}
