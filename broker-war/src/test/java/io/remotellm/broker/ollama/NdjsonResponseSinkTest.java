package io.remotellm.broker.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.error.ApiError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** NDJSON framing: lines verbatim and flushed, status before the first byte, bound, errors. */
class NdjsonResponseSinkTest {

  private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
  private final List<String> flushedAfter = new ArrayList<>();
  private final AtomicInteger status = new AtomicInteger(-1);
  private volatile String contentType;
  private final AtomicBoolean completed = new AtomicBoolean();
  private volatile boolean failWrites;
  private final List<Runnable> heldWrites = new ArrayList<>();

  private final ServletOutputStream out =
      new ServletOutputStream() {
        @Override
        public void write(int b) throws IOException {
          if (failWrites) {
            throw new IOException("broken pipe");
          }
          wire.write(b);
        }

        @Override
        public void flush() {
          flushedAfter.add(wire.toString(StandardCharsets.UTF_8));
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {}
      };

  private final HttpServletResponse response =
      (HttpServletResponse)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {HttpServletResponse.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "getOutputStream" -> out;
                    case "isCommitted" -> status.get() >= 0 && wire.size() > 0;
                    case "setStatus" -> {
                      status.set((Integer) args[0]);
                      yield null;
                    }
                    case "setContentType" -> {
                      contentType = (String) args[0];
                      yield null;
                    }
                    default -> null;
                  });

  private final AsyncContext async =
      (AsyncContext)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {AsyncContext.class},
              (proxy, method, args) -> {
                if (method.getName().equals("complete")) {
                  completed.set(true);
                }
                return null;
              });

  /** Writes run when the test says, as a client that reads slowly. */
  private NdjsonResponseSink sink(long bound, boolean hold) {
    return new NdjsonResponseSink(async, response, hold ? heldWrites::add : Runnable::run, bound);
  }

  private String written() {
    return wire.toString(StandardCharsets.UTF_8);
  }

  @Test
  void linesGoOutVerbatimEachFlushedThenTheResponseCompletes() {
    NdjsonResponseSink sink = sink(1024, false);
    sink.head(200, Map.of("content-type", "application/x-ndjson"));
    sink.data("{\"message\":{\"content\":\"é\"},\"done\":false}");
    sink.data("{\"done\":true}");
    sink.end();
    assertThat(written())
        .isEqualTo("{\"message\":{\"content\":\"é\"},\"done\":false}\n{\"done\":true}\n");
    assertThat(flushedAfter.get(0)).isEqualTo("{\"message\":{\"content\":\"é\"},\"done\":false}\n");
    assertThat(status.get()).isEqualTo(200);
    assertThat(contentType).isEqualTo("application/x-ndjson");
    assertThat(completed).isTrue();
  }

  @Test
  void aBodyThatIsNotNdjsonIsPassedOnAsItCameInItsPieces() {
    NdjsonResponseSink sink = sink(1024, false);
    sink.head(200, Map.of("content-type", "application/json"));
    sink.data("{\"message\":{\"content\":\"a");
    sink.data("b\"},\"done\":true}");
    sink.end();
    assertThat(written()).isEqualTo("{\"message\":{\"content\":\"ab\"},\"done\":true}");
  }

  @Test
  void anErrorBeforeAnyByteKeepsItsStatusAndComesAsJson() {
    NdjsonResponseSink sink = sink(1024, false);
    sink.fail(ApiError.modelNotFound("m"), false);
    assertThat(status.get()).isEqualTo(404);
    assertThat(contentType).isEqualTo("application/json");
    assertThat(written()).startsWith("{\"error\":\"The model 'm'").endsWith("}\n");
    assertThat(completed).isTrue();
  }

  @Test
  void anLlmRefusalBeforeTheStreamIsPassedOnWithItsStatus() {
    NdjsonResponseSink sink = sink(1024, false);
    sink.head(404, Map.of("content-type", "application/json"));
    sink.data("{\"error\":\"model \\\"x\\\" not found\"}");
    sink.end();
    assertThat(status.get()).isEqualTo(404);
    assertThat(written()).isEqualTo("{\"error\":\"model \\\"x\\\" not found\"}\n");
  }

  @Test
  void theKeepAliveIsASpaceAndAFailureAfterItIsAnErrorLineOnA200() {
    NdjsonResponseSink sink = sink(1024, false);
    sink.keepAlive();
    sink.keepAlive();
    sink.fail(ApiError.upstreamTimeout("No answer from the upstream in time"), false);
    assertThat(status.get()).isEqualTo(200);
    assertThat(written()).isEqualTo("  {\"error\":\"No answer from the upstream in time\"}\n");
  }

  @Test
  void aClientThatStopsReadingIsCutOffAtTheBoundAndTheRequestCancelled() {
    NdjsonResponseSink sink = sink(100, true);
    AtomicBoolean cancelled = new AtomicBoolean();
    sink.onClientGone(() -> cancelled.set(true));
    sink.head(200, Map.of());
    for (int i = 0; i < 10 && !cancelled.get(); i++) {
      sink.data("{\"n\":\"" + "x".repeat(30) + "\"}");
    }
    assertThat(cancelled).isTrue();
    heldWrites.forEach(Runnable::run);
    assertThat(completed).isTrue();
  }

  @Test
  void aFailedWriteCancelsTheRequest() {
    NdjsonResponseSink sink = sink(1024, false);
    AtomicBoolean cancelled = new AtomicBoolean();
    sink.onClientGone(() -> cancelled.set(true));
    failWrites = true;
    sink.data("{\"n\":1}");
    assertThat(cancelled).isTrue();
    assertThat(completed).isTrue();
  }
}
