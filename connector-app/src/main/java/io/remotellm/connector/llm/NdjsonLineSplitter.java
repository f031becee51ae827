package io.remotellm.connector.llm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an NDJSON byte stream (Ollama's {@code application/x-ndjson}) into lines and returns each
 * line verbatim, without its {@code \n}: the broker writes it back with one, so the client gets the
 * LLM's bytes unchanged. Works on bytes, so a character split between two network reads stays
 * whole. Not thread-safe: one per response.
 */
final class NdjsonLineSplitter {

  private final long maxLineBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

  /**
   * @param maxLineBytes the longest line kept; a longer one makes {@link #feed} throw
   */
  NdjsonLineSplitter(long maxLineBytes) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Feeds the next bytes; returns the lines they completed. */
  List<String> feed(ByteBuffer bytes) {
    List<String> lines = new ArrayList<>(2);
    while (bytes.hasRemaining()) {
      byte b = bytes.get();
      if (b == '\n') {
        lines.add(line.toString(StandardCharsets.UTF_8));
        line.reset();
      } else {
        line.write(b);
        if (line.size() > maxLineBytes) {
          throw new SseEventSplitter.EventTooLargeException(maxLineBytes);
        }
      }
    }
    return lines;
  }

  /** The stream ended: a last line without its {@code \n} still counts. */
  List<String> finish() {
    if (line.size() == 0) {
      return List.of();
    }
    String last = line.toString(StandardCharsets.UTF_8);
    line.reset();
    return List.of(last);
  }
}
