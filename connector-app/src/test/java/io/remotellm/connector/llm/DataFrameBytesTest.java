package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bytes path against the string path: a {@code data} frame escaped straight from the LLM's
 * bytes must be byte for byte the codec's frame of {@code new String(bytes, UTF_8)}, whatever the
 * bytes, malformed ones included.
 */
class DataFrameBytesTest {
  private static final FrameCodec CODEC = new FrameCodec();

  /** Pieces the generator strings together: every kind of byte the escaping must get right. */
  private static final byte[][] PIECES = {
    bytes("a"),
    bytes("tok42 "),
    bytes("{\"content\":\"x\"}"),
    bytes("\""),
    bytes("\\"),
    bytes("/"),
    bytes("\u007f"),
    bytes("\u0000"),
    bytes("\u0001"),
    bytes("\u001f"),
    bytes("\n"),
    bytes("\r"),
    bytes("\t"),
    bytes("\b"),
    bytes("\f"),
    bytes("\u00e9"),
    bytes("\u0080"),
    bytes("\u00ff"),
    bytes("\u20ac"),
    bytes("\u2028"),
    bytes("\u2029"),
    bytes("\ufeff"),
    bytes("\ufffd"),
    bytes("\uffff"),
    bytes("\ud83d\ude00"),
    bytes("\udbff\udfff"),
    // malformed: stray continuation, truncated sequences, overlong forms, surrogates, too high
    raw(0x80),
    raw(0xBF),
    raw(0xC3),
    raw(0xE2, 0x82),
    raw(0xF0, 0x9F, 0x98),
    raw(0xC0, 0x80),
    raw(0xC1, 0xBF),
    raw(0xE0, 0x80, 0x80),
    raw(0xE0, 0x9F, 0xBF),
    raw(0xED, 0xA0, 0x80),
    raw(0xED, 0xBF, 0xBF),
    raw(0xF0, 0x80, 0x80, 0x80),
    raw(0xF0, 0x8F, 0xBF, 0xBF),
    raw(0xF4, 0x90, 0x80, 0x80),
    raw(0xF5, 0x80, 0x80, 0x80),
    raw(0xF8),
    raw(0xFE),
    raw(0xFF),
    // well-formed edges of the same ranges
    raw(0xC2, 0x80),
    raw(0xE0, 0xA0, 0x80),
    raw(0xED, 0x9F, 0xBF),
    raw(0xEE, 0x80, 0x80),
    raw(0xF0, 0x90, 0x80, 0x80),
    raw(0xF4, 0x8F, 0xBF, 0xBF)
  };

  private static final String[] IDS = {"r1", "req-\u00e9\"\\\n", "f/0b3a"};
  private static final String[] NAMES = {
    null, "", "message", "content_block_delta", "\u00e9v\u00e9nement", "a\"b\\c\u0001"
  };

  @Test
  void writesWhatTheCodecWritesOnGeneratedEvents() {
    Random random = new Random(17);
    for (int n = 0; n < 50_000; n++) {
      byte[] data = generated(random, random.nextInt(12));
      String id = IDS[random.nextInt(IDS.length)];
      String name = NAMES[random.nextInt(NAMES.length)];
      assertSameFrame(id, name, data);
    }
  }

  @Test
  void writesEveryOneAndTwoByteInputAsTheCodecDoes() {
    for (int a = 0; a < 256; a++) {
      assertSameFrame("r", null, new byte[] {(byte) a});
      for (int b = 0; b < 256; b++) {
        assertSameFrame("r", null, new byte[] {(byte) a, (byte) b});
      }
    }
  }

  @Test
  void writesEveryThreeAndFourByteSequenceFromALeadByteAsTheCodecDoes() {
    int[] seconds = {0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0};
    for (int lead = 0xC0; lead < 256; lead++) {
      for (int second : seconds) {
        for (int third : seconds) {
          assertSameFrame("r", null, raw(lead, second, third));
          for (int fourth : seconds) {
            assertSameFrame("r", null, raw(lead, second, third, fourth));
          }
        }
      }
    }
  }

  @Test
  void writesLargeEventsThatOutgrowTheScratchBuffer() {
    Random random = new Random(5);
    for (int size : new int[] {1_000, 17_000, 70_000}) {
      byte[] controls = new byte[size];
      Arrays.fill(controls, (byte) 1); // each becomes six bytes
      assertSameFrame("r1", "message", controls);
      assertSameFrame("r1", null, generated(random, size / 4));
      assertSameFrame("r1", null, bytes("x".repeat(size)));
    }
  }

  /**
   * The whole way from the LLM's reads: a generated stream cut into reads at random places goes
   * through the splitter into frames, which must be the codec's frames of each event's data lines,
   * each decoded as the splitter decoded them before and joined by a newline.
   */
  @Test
  void framesTheSplittersEventsAsTheStringPathDidWhateverTheReads() {
    Random random = new Random(23);
    for (int round = 0; round < 2_000; round++) {
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      List<String> expected = new ArrayList<>();
      int events = 1 + random.nextInt(5);
      for (int e = 0; e < events; e++) {
        List<String> lines = new ArrayList<>();
        int count = 1 + random.nextInt(3);
        if (random.nextBoolean()) {
          stream.writeBytes(bytes("event: message\n"));
        }
        for (int l = 0; l < count; l++) {
          byte[] line = withoutLineEnds(generated(random, random.nextInt(8)));
          lines.add(new String(line, StandardCharsets.UTF_8));
          stream.writeBytes(bytes("data: "));
          stream.writeBytes(line);
          stream.writeBytes(bytes(random.nextBoolean() ? "\n" : "\r\n"));
        }
        stream.writeBytes(bytes("\n"));
        expected.add(String.join("\n", lines));
      }
      byte[] all = stream.toByteArray();
      SseEventSplitter splitter = new SseEventSplitter();
      List<SseEvent> got = new ArrayList<>();
      int at = 0;
      while (at < all.length) {
        int size = 1 + random.nextInt(Math.max(1, all.length / 2));
        int to = Math.min(all.length, at + size);
        got.addAll(splitter.feedEvents(ByteBuffer.wrap(Arrays.copyOfRange(all, at, to))));
        at = to;
      }
      got.addAll(splitter.finishEvents());
      assertThat(got).hasSize(expected.size());
      DataFrameBytes frames = new DataFrameBytes("r9");
      for (int i = 0; i < got.size(); i++) {
        SseEvent event = got.get(i);
        assertThat(event.data()).isEqualTo(expected.get(i));
        assertThat(frames.frame(event).getBytes(StandardCharsets.ISO_8859_1))
            .as("event %d of round %d", i, round)
            .isEqualTo(
                CODEC
                    .encode(new Data("r9", expected.get(i), event.name()))
                    .getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static void assertSameFrame(String id, String name, byte[] data) {
    byte[] viaString =
        CODEC
            .encode(new Data(id, new String(data, StandardCharsets.UTF_8), name))
            .getBytes(StandardCharsets.UTF_8);
    byte[] viaBytes =
        new DataFrameBytes(id)
            .frame(SseEvent.ofBytes(name, data.clone()))
            .getBytes(StandardCharsets.ISO_8859_1);
    assertThat(viaBytes).as("data %s", HexFormat.of().formatHex(data)).isEqualTo(viaString);
  }

  private static byte[] generated(Random random, int pieces) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < pieces; i++) {
      out.writeBytes(PIECES[random.nextInt(PIECES.length)]);
    }
    return out.toByteArray();
  }

  private static byte[] withoutLineEnds(byte[] bytes) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] == '\n' || out[i] == '\r') {
        out[i] = ' ';
      }
    }
    return out;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] raw(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
