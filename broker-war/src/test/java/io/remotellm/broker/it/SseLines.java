package io.remotellm.broker.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Reads an SSE body line by line on its own thread, so a test can wait for lines with timeouts. */
final class SseLines implements AutoCloseable {

  private static final String EOF = "\u0000EOF";
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final InputStream in;

  SseLines(InputStream in) {
    this.in = in;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // The test closed the stream, or the server did: either way, end of lines.
              } finally {
                lines.add(EOF);
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** The next line, or null at the end of the stream; fails after {@code wait}. */
  String next(Duration wait) throws InterruptedException {
    String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("no SSE line within " + wait + "; so far: " + seen);
    }
    if (EOF.equals(line)) {
      lines.add(EOF);
      return null;
    }
    seen.add(line);
    return line;
  }

  /** Waits for a line equal to {@code expected}; returns the lines before it. */
  List<String> until(String expected, Duration wait) throws InterruptedException {
    List<String> before = new ArrayList<>();
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      String line = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (line == null) {
        throw new AssertionError("stream ended before '" + expected + "'; lines: " + before);
      }
      if (line.equals(expected)) {
        return before;
      }
      before.add(line);
    }
  }

  /** All lines up to the end of the stream. */
  List<String> rest(Duration wait) throws InterruptedException {
    List<String> all = new ArrayList<>();
    long deadline = System.nanoTime() + wait.toNanos();
    String line;
    while ((line = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) != null) {
      all.add(line);
    }
    return all;
  }

  /** The {@code data:} payloads among {@code lines}. */
  static List<String> payloads(List<String> lines) {
    List<String> data = new ArrayList<>();
    for (String l : lines) {
      if (l.startsWith("data:")) {
        data.add(l.startsWith("data: ") ? l.substring(6) : l.substring(5));
      }
    }
    return data;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
