package io.remotellm.broker.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonObject;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class ApiErrorTest {

  @Test
  void aConnectorsMegabyteReasonIsCutInTheClientsErrorBody() {
    String reason = "x".repeat(1 << 20);
    String body = ApiError.fromConnector(500, "upstream_error", "llm says: " + reason).toJson();
    assertThat(body).hasSizeLessThan(2048);
    JsonObject error =
        SharedJsonProvider.INSTANCE
            .createReader(new StringReader(body))
            .readObject()
            .getJsonObject("error");
    assertThat(error.getString("message"))
        .startsWith("llm says: xxx")
        .endsWith("more chars]")
        .hasSizeLessThan(1100);
    assertThat(error.getString("code")).isEqualTo("upstream_error");
  }

  @Test
  void aMidAnswerFailureIsCutToo() {
    String message = "The upstream failed mid-answer: " + "y".repeat(1 << 20);
    assertThat(ApiError.upstream(message).message()).hasSizeLessThan(1100);
  }

  @Test
  void aShortMessageIsKeptWhole() {
    assertThat(ApiError.fromConnector(503, "unavailable", "at capacity").message())
        .isEqualTo("at capacity");
    assertThat(ApiError.fromConnector(500, "x", "").message()).isEqualTo("Upstream error");
  }
}
