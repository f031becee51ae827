package io.remotellm.payaramicro;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.payaramicro.logging.BoundedLogRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

class BoundedLogRecordsTest {

  private final BoundedLogRecords filter = new BoundedLogRecords();

  @Test
  void aHugeParameterMessageFieldAndExceptionMakeAShortLine() {
    String huge = "m".repeat(2_000_000);
    LogRecord record = new LogRecord(Level.WARNING, "model {0} " + huge);
    record.setParameters(new Object[] {huge, 42, Map.of("model", huge, "status", 404)});
    Exception deep = new IllegalStateException(huge, new RuntimeException(huge));
    record.setThrown(deep);

    assertThat(filter.isLoggable(record)).isTrue();
    String line = new SimpleFormatter().format(record);

    assertThat(line.length()).isLessThan(32 * 1024);
    assertThat(line).contains("java.lang.IllegalStateException: mmm", "more chars]");
    assertThat(line).contains("Caused by: java.lang.RuntimeException: mmm");
    assertThat(record.getParameters()[1]).isEqualTo(42);
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) record.getParameters()[2];
    assertThat(fields.get("status")).isEqualTo(404);
    assertThat(fields.get("model").toString()).hasSizeLessThan(1100).endsWith("more chars]");
  }

  @Test
  void aShortRecordIsLeftAsItWas() {
    LogRecord record = new LogRecord(Level.INFO, "request {0} status={1}");
    Object[] parameters = {"abc", 200};
    record.setParameters(parameters);
    filter.isLoggable(record);
    assertThat(record.getMessage()).isEqualTo("request {0} status={1}");
    assertThat(record.getParameters()).containsExactly("abc", 200);
    assertThat(record.getThrown()).isNull();
  }

  @Test
  void aLongStackKeepsItsTop() {
    Exception e = new Exception("x");
    StackTraceElement[] frames = new StackTraceElement[5000];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = new StackTraceElement("C", "m" + i, "C.java", i);
    }
    e.setStackTrace(frames);
    LogRecord record = new LogRecord(Level.SEVERE, "boom");
    record.setThrown(e);
    filter.isLoggable(record);
    StringWriter out = new StringWriter();
    record.getThrown().printStackTrace(new PrintWriter(out));
    assertThat(out.toString()).startsWith("java.lang.Exception: x").contains("C.m0(C.java:0)");
    assertThat(out.toString()).doesNotContain("C.m64(");
  }
}
