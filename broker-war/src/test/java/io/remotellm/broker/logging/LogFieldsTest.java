package io.remotellm.broker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

class LogFieldsTest {

  @Test
  void fieldsTravelAsTheLastParameterAndTheMessageStillReadsAsText() {
    Logger logger = Logger.getLogger("io.remotellm.test.logfields");
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.INFO);
    List<LogRecord> records = new ArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    try {
      LogFields.of("request_id", "r-1")
          .and("connector_id", null)
          .and("status", 200)
          .log(logger, Level.INFO, "request {0} status={1}", "r-1", "200");
      LogFields.of("request_id", "r-2")
          .logFrom(AccessLog.class, "relayed", logger, Level.INFO, "request {0}", "r-2");
    } finally {
      logger.removeHandler(handler);
    }
    assertThat(records).hasSize(2);
    // A caller that names itself is the source, as the stack walk would have found it.
    assertThat(records.get(1).getSourceClassName()).isEqualTo(AccessLog.class.getName());
    assertThat(records.get(1).getSourceMethodName()).isEqualTo("relayed");
    assertThat(records.get(1).getParameters()[1]).isEqualTo(Map.of("request_id", "r-2"));
    Object[] parameters = records.get(0).getParameters();
    assertThat(parameters).hasSize(3);
    assertThat(parameters[2]).isEqualTo(Map.of("request_id", "r-1", "status", 200));
    assertThat(new SimpleFormatter().formatMessage(records.get(0)))
        .isEqualTo("request r-1 status=200");
    assertThat(records.get(0).getSourceClassName()).isEqualTo(LogFieldsTest.class.getName());
  }

  @Test
  void untrustedTextIsCutAndItsControlCharactersShownNotWritten() {
    Logger logger = Logger.getLogger("io.remotellm.test.logfields.bounded");
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.INFO);
    List<LogRecord> records = new ArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    String model = "m".repeat(2_000_000);
    try {
      LogFields.of("model", model)
          .and("reason", "bad\nINFO fake line\u001b[2J")
          .and("status", 400)
          .log(logger, Level.INFO, "model={0} reason={1}", model, "x\r\ny");
    } finally {
      logger.removeHandler(handler);
    }
    String line = new SimpleFormatter().formatMessage(records.get(0));
    assertThat(line).hasSizeLessThan(1200).doesNotContain("\n", "\r").contains("x\\u000d\\u000ay");
    Map<?, ?> fields = (Map<?, ?>) records.get(0).getParameters()[2];
    assertThat((String) fields.get("model")).hasSizeLessThan(600).endsWith("more chars]");
    assertThat(fields.get("reason")).isEqualTo("bad\\u000aINFO fake line\\u001b[2J");
    assertThat(fields.get("status")).isEqualTo(400);
  }
}
