package io.remotellm.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Fingerprint;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonLineFormatterTest {

  @Test
  void writesOneJsonObjectPerLineWithFields() {
    LogRecord record = new LogRecord(Level.WARNING, "request {0} failed: \"quoted\"\nnext");
    record.setLoggerName("io.remotellm.connector.llm.X");
    record.setParameters(new Object[] {LogField.requestId("r-1"), LogField.of("status", 502)});
    record.setThrown(new IllegalStateException("boom"));
    String line = new JsonLineFormatter().format(record);
    assertThat(line).endsWith("}\n");
    assertThat(line.strip()).doesNotContain("\n");
    JsonObject json = Json.createReader(new StringReader(line)).readObject();
    assertThat(json.getString("level")).isEqualTo("WARNING");
    assertThat(json.getString("logger")).isEqualTo("io.remotellm.connector.llm.X");
    assertThat(json.getString("msg")).isEqualTo("request r-1 failed: \"quoted\"\nnext");
    assertThat(json.getString("request_id")).isEqualTo("r-1");
    assertThat(json.getInt("status")).isEqualTo(502);
    assertThat(json.getString("error")).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(json.getString("ts")).endsWith("Z");
  }

  @Test
  void fingerprintIsTheFirstEightHexOfSha256() {
    // echo -n secret | sha256sum → 2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b
    assertThat(Fingerprint.of("secret")).isEqualTo("2bb80d53");
    assertThat(Fingerprint.of(null)).isEqualTo("none");
  }
}
