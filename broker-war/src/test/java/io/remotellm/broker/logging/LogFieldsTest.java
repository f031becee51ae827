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
          @Override public void publish(LogRecord record) { records.add(record); }
          @Override public void flush() {}
          @Override public void close() {}
        };
    logger.addHandler(handler);
    try {
      LogFields.of("request_id", "r-1")
          .and("connector_id", null)
          .and("status", 200)
          .log(logger, Level.INFO, "request {0} status={1}", "r-1", "200");
    } finally {
      logger.removeHandler(handler);
    }
    assertThat(records).hasSize(1);
    Object[] parameters = records.get(0).getParameters();
    assertThat(parameters).hasSize(3);
    assertThat(parameters[2]).isEqualTo(Map.of("request_id", "r-1", "status", 200));
    assertThat(new SimpleFormatter().formatMessage(records.get(0))).isEqualTo("request r-1 status=200");
    assertThat(records.get(0).getSourceClassName()).isEqualTo(LogFieldsTest.class.getName());
  }
}
