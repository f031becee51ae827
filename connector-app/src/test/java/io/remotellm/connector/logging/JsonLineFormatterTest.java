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
    record.setParameters(new Object[] {JsonField.requestId("r-1"), JsonField.of("status", 502)});
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

  @Test
  void untrustedValuesAreCutAndTheLineStaysBoundedAndValid() {
    String huge = "m\u0000\u001b".repeat(700_000);
    LogRecord record = new LogRecord(Level.WARNING, "model {0} failed: {1}");
    record.setLoggerName("io.remotellm.connector.llm.X");
    Object[] fields = new Object[40];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = JsonField.of("f" + i, huge);
    }
    fields[0] = JsonField.of("model", huge);
    record.setParameters(fields);
    record.setThrown(new IllegalStateException(huge));
    String line = new JsonLineFormatter().format(record);
    assertThat(line).hasSizeLessThanOrEqualTo(JsonLineFormatter.MAX_LINE);
    assertThat(line.strip()).doesNotContain("\n", "\u0000", "\u001b");
    JsonObject json = Json.createReader(new StringReader(line)).readObject();
    assertThat(json.getString("msg")).startsWith("model m").contains("more chars]");
    assertThat(json.getBoolean("cut")).isTrue();

    LogRecord few = new LogRecord(Level.INFO, "model {0}");
    few.setParameters(new Object[] {JsonField.of("model", huge)});
    JsonObject one =
        Json.createReader(new StringReader(new JsonLineFormatter().format(few))).readObject();
    assertThat(one.getString("model")).hasSizeLessThan(600).endsWith("more chars]");
  }

  @Test
  void placeholdersShowTheirValuesAndEverythingElseStaysAsWritten() {
    LogRecord record =
        new LogRecord(Level.INFO, "request {0} {1} in {2} ms, {9} {x} {} '{'quoted'} {0");
    record.setParameters(
        new Object[] {
          JsonField.requestId("r-1"), JsonField.of("outcome", "done"), JsonField.of("ms", 1500)
        });
    assertThat(JsonLineFormatter.message(record))
        .isEqualTo("request r-1 done in 1500 ms, {9} {x} {} '{'quoted'} {0");
    assertThat(JsonLineFormatter.message(new LogRecord(Level.INFO, "no {0} parameters")))
        .isEqualTo("no {0} parameters");
  }
}
