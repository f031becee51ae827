package io.remotellm.connector.llm;

import io.remotellm.connector.connection.FrameSender;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.JsonText;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one answer's {@code data} frames straight from the LLM's UTF-8 bytes: the event's bytes
 * are JSON-escaped into the frame's bytes, with no {@code String} of the text in between, and the
 * result is the wire text {@link FrameSender} queues (one char per byte). Per SSE event this
 * replaces decoding the bytes, escaping the string char by char and encoding it again, the largest
 * items left of ours in the connector's profile (docs/benchmarks.md, issue 17).
 *
 * <p>The output is byte for byte what the codec writes for {@code new Data(id, new String(bytes,
 * UTF_8), name)} (DataFrameBytesTest compares the two on generated input): only ASCII is escaped
 * (quote, backslash, control characters, as {@link JsonText#quote}), every valid multi-byte
 * sequence is copied as it is, and an event that is not valid UTF-8 takes the string path, so its
 * malformed bytes are replaced exactly as the decoder replaces them. Not thread-safe: one per
 * answer, used by one thread at a time.
 */
final class DataFrameBytes {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = ",\"event\":".getBytes(StandardCharsets.US_ASCII);

  /** Kept between frames up to this size; a larger one (a big body piece) is not held on to. */
  private static final int KEEP_SCRATCH = 16 * 1024;

  /** The thread's buffer for the frame being written: the frame's text is the one copy made. */
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1024]);

  /** Only for the rare malformed event; encoding holds no state. */
  private static final FrameCodec CODEC = new FrameCodec();

  private final String id;

  /** {@code {"type":"data","id":"…","data":}, the same for every frame of the answer. */
  private final byte[] head;

  DataFrameBytes(String id) {
    this.id = id;
    StringBuilder out = new StringBuilder(id.length() + 32).append("{\"type\":\"data\",\"id\":");
    JsonText.quote(out, id);
    this.head = out.append(",\"data\":").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The {@code data} frame that carries {@code event}, as wire text. */
  String frame(SseEvent event) {
    byte[] data = event.utf8();
    byte[] name = quotedName(event.name());
    int tail = 2 + (name == null ? 0 : EVENT.length + name.length);
    int n = data.length;
    byte[] out = SCRATCH.get();
    if (out.length < head.length + 1 + n + tail) {
      out = new byte[Math.max(head.length + 1 + n + tail, 2 * out.length)];
    }
    System.arraycopy(head, 0, out, 0, head.length);
    int at = head.length;
    out[at++] = '"';
    // Room for what is left is kept: one byte out per byte in, more only for an escape.
    int i = 0;
    while (i < n) {
      int b = data[i];
      if (b >= 0x20 && b != '"' && b != '\\') {
        out[at++] = (byte) b;
        i++;
        continue;
      }
      if (b < 0) {
        int length = sequence(data, i);
        if (length == 0) {
          return stringPath(event);
        }
        System.arraycopy(data, i, out, at, length);
        at += length;
        i += length;
        continue;
      }
      int needed = at + 6 + (n - i - 1) + tail;
      if (needed > out.length) {
        out = Arrays.copyOf(out, Math.max(needed, 2 * out.length));
      }
      out[at++] = '\\';
      switch (b) {
        case '"' -> out[at++] = '"';
        case '\\' -> out[at++] = '\\';
        case '\n' -> out[at++] = 'n';
        case '\r' -> out[at++] = 'r';
        case '\t' -> out[at++] = 't';
        case '\b' -> out[at++] = 'b';
        case '\f' -> out[at++] = 'f';
        default -> {
          out[at++] = 'u';
          out[at++] = '0';
          out[at++] = '0';
          out[at++] = HEX[b >> 4];
          out[at++] = HEX[b & 0xF];
        }
      }
      i++;
    }
    out[at++] = '"';
    if (name != null) {
      System.arraycopy(EVENT, 0, out, at, EVENT.length);
      at += EVENT.length;
      System.arraycopy(name, 0, out, at, name.length);
      at += name.length;
    }
    out[at++] = '}';
    if (out.length <= KEEP_SCRATCH) {
      SCRATCH.set(out);
    }
    return new String(out, 0, at, StandardCharsets.ISO_8859_1);
  }

  /** Malformed UTF-8: decoded with replacement and written by the codec, as before. */
  private String stringPath(SseEvent event) {
    return FrameSender.wireOf(CODEC.encode(new Data(id, event.data(), event.name())));
  }

  /**
   * The length of the well-formed UTF-8 sequence of two to four bytes at {@code i}, or 0 if there
   * is none: overlong forms, surrogates, code points over U+10FFFF, stray or missing continuation
   * bytes are what the JDK's decoder replaces (Unicode's table 3-7 of well-formed sequences).
   */
  static int sequence(byte[] b, int i) {
    int n = b.length - i;
    int b0 = b[i] & 0xFF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      return n >= 2 && continuation(b[i + 1], 0x80, 0xBF) ? 2 : 0;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
      int lo = b0 == 0xE0 ? 0xA0 : 0x80;
      int hi = b0 == 0xED ? 0x9F : 0xBF;
      return n >= 3 && continuation(b[i + 1], lo, hi) && continuation(b[i + 2], 0x80, 0xBF) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
      int lo = b0 == 0xF0 ? 0x90 : 0x80;
      int hi = b0 == 0xF4 ? 0x8F : 0xBF;
      return n >= 4
              && continuation(b[i + 1], lo, hi)
              && continuation(b[i + 2], 0x80, 0xBF)
              && continuation(b[i + 3], 0x80, 0xBF)
          ? 4
          : 0;
    }
    return 0;
  }

  private static boolean continuation(byte b, int lo, int hi) {
    int v = b & 0xFF;
    return v >= lo && v <= hi;
  }

  private static byte[] quotedName(String name) {
    if (name == null || name.isEmpty()) {
      return null; // Data leaves an empty name out, as it leaves out none
    }
    StringBuilder out = new StringBuilder(name.length() + 2);
    JsonText.quote(out, name);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
