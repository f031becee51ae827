package io.remotellm.connector.llm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an NDJSON byte stream (Ollama's {@code application/x-ndjson}) into lines and returns each
 * line verbatim, without its {@code \n}: the broker writes it back with one, so the client gets the
 * LLM's bytes unchanged. Works on bytes ({@link ByteLines}), so a character split between two
 * network reads stays whole. Not thread-safe: one per response.
 */
final class NdjsonLineSplitter {

  private final ByteLines lines;
  private List<String> completed;

  /**
   * @param maxLineBytes the longest line kept; a longer one makes {@link #feed} throw
   */
  NdjsonLineSplitter(long maxLineBytes) {
    this.lines = new ByteLines(false, maxLineBytes, this::line);
  }

  /** Feeds the next bytes; returns the lines they completed. */
  List<String> feed(ByteBuffer bytes) {
    completed = new ArrayList<>(4);
    lines.feed(bytes);
    return completed;
  }

  /** The stream ended: a last line without its {@code \n} still counts. */
  List<String> finish() {
    completed = new ArrayList<>(1);
    lines.finish();
    return completed;
  }

  private void line(byte[] bytes, int from, int length) {
    lines.resetCount();
    completed.add(new String(bytes, from, length, StandardCharsets.UTF_8));
  }
}
