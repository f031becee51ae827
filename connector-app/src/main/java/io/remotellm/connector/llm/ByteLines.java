package io.remotellm.connector.llm;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Cuts a byte stream into lines for the splitters, scanning each read's bytes in bulk: a line that
 * lies whole inside one read is handed over in place (no copy), and only the unfinished end of a
 * read is kept, as bytes, for the next. Bytes, not chars, so a multi-byte UTF-8 character split
 * between two reads stays whole (a line end is never inside one). Per event this replaced a
 * synchronized {@code ByteArrayOutputStream.write} per byte and a {@code String} per line, the
 * largest item in the connector's profile under SSE (docs/benchmarks.md, issue 17). Not
 * thread-safe: one per response.
 */
final class ByteLines {

  /** Hears each complete line, without its line end; the bytes are valid only during the call. */
  @FunctionalInterface
  interface LineHandler {
    void line(byte[] bytes, int from, int length);
  }

  private final boolean sseLineEnds;
  private final long maxBytes;
  private final LineHandler handler;
  private byte[] kept = new byte[256];
  private int keptLength;
  private byte[] scratch = new byte[0];
  private boolean afterCr;

  /** Bytes of lines since {@link #resetCount}, checked against {@code maxBytes}. */
  private long counted;

  /**
   * @param sseLineEnds CR, LF and CRLF end a line (SSE); otherwise only LF (NDJSON), and a CR stays
   *     in the line
   * @param maxBytes the most line bytes between two {@link #resetCount} calls; more throws {@link
   *     SseEventSplitter.EventTooLargeException}
   */
  ByteLines(boolean sseLineEnds, long maxBytes, LineHandler handler) {
    this.sseLineEnds = sseLineEnds;
    this.maxBytes = maxBytes;
    this.handler = handler;
  }

  /** Starts counting the bound again (an event ended). */
  void resetCount() {
    counted = 0;
  }

  /** Feeds the next bytes; the handler hears every line they complete, in order. */
  void feed(ByteBuffer buffer) {
    byte[] bytes;
    int from;
    int to;
    if (buffer.hasArray()) {
      bytes = buffer.array();
      from = buffer.arrayOffset() + buffer.position();
      to = buffer.arrayOffset() + buffer.limit();
    } else {
      // A read-only or direct buffer: one bulk copy into a reused array.
      int n = buffer.remaining();
      if (scratch.length < n) {
        scratch = new byte[Math.max(n, 2 * scratch.length)];
      }
      buffer.duplicate().get(scratch, 0, n);
      bytes = scratch;
      from = 0;
      to = n;
    }
    buffer.position(buffer.limit());
    int start = from;
    int i = from;
    if (afterCr && i < to) {
      afterCr = false;
      if (bytes[i] == '\n') {
        start = ++i; // the second half of a CRLF split between two reads
      }
    }
    for (; i < to; i++) {
      byte b = bytes[i];
      if (b != '\n' && (b != '\r' || !sseLineEnds)) {
        continue;
      }
      endLine(bytes, start, i - start);
      if (b == '\r') {
        if (i + 1 < to) {
          if (bytes[i + 1] == '\n') {
            i++;
          }
        } else {
          afterCr = true;
        }
      }
      start = i + 1;
    }
    if (start < to) {
      count(to - start);
      keep(bytes, start, to - start);
    }
  }

  /** The stream ended: hands over an unfinished last line, if any; true if there was one. */
  boolean finish() {
    afterCr = false;
    if (keptLength == 0) {
      return false;
    }
    int n = keptLength;
    keptLength = 0;
    handler.line(kept, 0, n);
    return true;
  }

  private void endLine(byte[] bytes, int start, int length) {
    if (keptLength == 0) {
      count(length);
      handler.line(bytes, start, length);
      return;
    }
    count(length);
    keep(bytes, start, length);
    int n = keptLength;
    keptLength = 0;
    handler.line(kept, 0, n);
  }

  private void count(int length) {
    counted += length;
    if (counted > maxBytes) {
      throw new SseEventSplitter.EventTooLargeException(maxBytes);
    }
  }

  private void keep(byte[] bytes, int start, int length) {
    if (keptLength + length > kept.length) {
      kept = Arrays.copyOf(kept, Math.max(keptLength + length, 2 * kept.length));
    }
    System.arraycopy(bytes, start, kept, keptLength, length);
    keptLength += length;
  }
}
