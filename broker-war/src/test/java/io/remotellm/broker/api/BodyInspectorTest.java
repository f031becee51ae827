package io.remotellm.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.remotellm.broker.error.ApiException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BodyInspectorTest {

  private final BodyInspector inspector = new BodyInspector();

  private ChatBody inspect(String body) {
    return inspector.inspect(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsModelAndStreamAndKeepsTheTextAsItCame() {
    String body =
        "{ \"model\" : \"llama3.2\", \"stream\": true, \"messages\":[{\"content\":\"é 🌍\"}] }";
    ChatBody chat = inspect(body);
    assertThat(chat.model()).isEqualTo("llama3.2");
    assertThat(chat.stream()).isTrue();
    assertThat(chat.text()).isEqualTo(body);
  }

  @Test
  void streamDefaultsToFalse() {
    assertThat(inspect("{\"model\":\"m\"}").stream()).isFalse();
    assertThat(inspect("{\"model\":\"m\",\"stream\":null}").stream()).isFalse();
    assertThat(inspect("{\"model\":\"m\",\"stream\":false}").stream()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not json",
        "[]",
        "[{\"model\":\"m\"}]",
        "\"model\"",
        "42",
        "null",
        "{}",
        "{\"model\":null}",
        "{\"model\":123}",
        "{\"model\":\"\"}",
        "{\"model\":\"  \"}",
        "{\"model\":[\"m\"]}",
        "{\"model\":\"m\",\"stream\":\"yes\"}",
        "{\"model\":\"m\",\"stream\":1}",
        "{\"model\":\"m\"} trailing",
        "{\"model\":\"m\"}{}",
        "{\"model\":\"m\"",
        "{\"model\":\"m\",}",
        "{\"model\":\"m\",\"messages\":[1 2]}",
        "{\"model\":\"m\",\"messages\":[{\"a\":}]}",
        "{\"model\":\"m\",\"messages\":[{\"a\":1]}",
        "{\"model\":\"m\",\"messages\":[{\"a\":1}"
      })
  void badBodiesAre400(String body) {
    ApiException e = catchThrowableOfType(ApiException.class, () -> inspect(body));
    assertThat(e).as(body).isNotNull();
    assertThat(e.error().status()).isEqualTo(400);
    assertThat(e.error().code()).isEqualTo("invalid_request_error");
  }

  @Test
  void onlyTopLevelFieldsCountAndTheLastOfTwinsWins() {
    ChatBody chat =
        inspect(
            "{\"messages\":[{\"model\":\"inner\",\"stream\":true}],\"model\":\"m\","
                + "\"options\":{\"stream\":true,\"model\":{}}}");
    assertThat(chat.model()).isEqualTo("m");
    assertThat(chat.stream()).isFalse();
    assertThat(inspect("{\"model\":\"a\",\"model\":\"b\",\"stream\":true}").model()).isEqualTo("b");
    ChatBody ollama =
        inspector.inspect(
            "{\"name\":\"n\",\"x\":[{\"name\":\"inner\"}]}".getBytes(StandardCharsets.UTF_8),
            true,
            "model",
            "name");
    assertThat(ollama.model()).isEqualTo("n");
    assertThat(ollama.stream()).isTrue();
  }

  @Test
  void nestingDeeperThanTheParserTakesIs400() {
    String deep = "{\"model\":\"m\",\"x\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3001);
    ApiException e = catchThrowableOfType(ApiException.class, () -> inspect(deep));
    assertThat(e).isNotNull();
    assertThat(e.error().status()).isEqualTo(400);
  }

  @Test
  void invalidUtf8Is400() {
    byte[] body = {
      '{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'
    };
    ApiException e = catchThrowableOfType(ApiException.class, () -> inspector.inspect(body));
    assertThat(e.error().status()).isEqualTo(400);
    assertThat(e.error().message()).contains("UTF-8");
  }

  @Test
  void errorsNameTheFieldButNeverQuoteTheBody() {
    ApiException e =
        catchThrowableOfType(
            ApiException.class, () -> inspect("{\"model\":1,\"secret\":\"prompt-text\""));
    assertThat(e.error().message()).doesNotContain("prompt-text");
    ApiException m = catchThrowableOfType(ApiException.class, () -> inspect("{\"messages\":[]}"));
    assertThat(m.error().param()).isEqualTo("model");
  }

  @Test
  void aModelNameOverTheBoundIs400AndQuotedOnlyInPart() {
    assertThat(inspect("{\"model\":\"" + "m".repeat(256) + "\"}").model()).hasSize(256);
    String name = "n".repeat(2_000_000);
    ApiException e =
        catchThrowableOfType(ApiException.class, () -> inspect("{\"model\":\"" + name + "\"}"));
    assertThat(e.error().status()).isEqualTo(400);
    assertThat(e.error().param()).isEqualTo("model");
    assertThat(e.error().message()).contains("256 characters").hasSizeLessThan(200);
  }
}
