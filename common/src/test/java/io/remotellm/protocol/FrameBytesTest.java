package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * A binary message reads as exactly the text whose UTF-8 it is, and anything that is not UTF-8 is a
 * {@link ProtocolException} (logged and skipped like bad JSON), never text with replacement
 * characters in it.
 */
class FrameBytesTest {

  @Property(tries = 3000)
  void anyTextComesBackAsItWasSent(@ForAll("texts") String text) throws ProtocolException {
    assertThat(FrameBytes.text(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
  }

  /** Random bytes: whatever the JDK's strict decoder says, this says too. */
  @Property(tries = 5000)
  void anyBytesAreReadOrRefusedAsTheStrictDecoderWould(@ForAll("bytes") byte[] bytes) {
    String strict;
    try {
      strict =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      strict = null;
    }
    if (strict == null) {
      assertThatThrownBy(() -> FrameBytes.text(bytes))
          .isInstanceOf(ProtocolException.class)
          .hasMessage("a binary message that is not valid UTF-8");
    } else {
      try {
        assertThat(FrameBytes.text(bytes)).isEqualTo(strict);
      } catch (ProtocolException e) {
        throw new AssertionError("valid UTF-8 refused", e);
      }
    }
  }

  @Test
  void aSentReplacementCharacterIsText() throws ProtocolException {
    String text = "{\"type\":\"data\",\"id\":\"a\",\"data\":\"\uFFFD\"}";
    assertThat(FrameBytes.text(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
  }

  @Test
  void malformedUtf8IsRefused() {
    byte[][] bad = {
      {'{', (byte) 0xC3}, // cut off inside a two-byte sequence
      {(byte) 0x80}, // a continuation byte alone
      {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate, encoded
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
      {(byte) 0xFF},
      // Malformed next to a genuine U+FFFD: the replacement the lenient decoder adds must not pass.
      {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD, (byte) 0xC3}
    };
    for (byte[] bytes : bad) {
      assertThatThrownBy(() -> FrameBytes.text(bytes)).isInstanceOf(ProtocolException.class);
    }
  }

  /**
   * Well-formed UTF-16 only: a frame's text is decoded from the LLM's bytes or written by our code,
   * so it holds no half of a surrogate pair (which has no UTF-8 at all).
   */
  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
            Arbitraries.strings().ascii().ofMaxLength(200),
            Arbitraries.strings().all().ofMaxLength(200),
            Arbitraries.strings().withChars("a\"\\\uFFFD\u00e9\u2028\ud83d\ude00").ofMaxLength(50))
        .filter(FrameBytesTest::wellFormed);
  }

  private static boolean wellFormed(String s) {
    return StandardCharsets.UTF_8.newEncoder().canEncode(s);
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
    // Mostly valid UTF-8 with one byte changed: malformed in the middle of real text.
    Arbitrary<byte[]> mutated =
        texts()
            .map(t -> t.getBytes(StandardCharsets.UTF_8))
            .filter(b -> b.length > 0)
            .flatMap(
                b ->
                    Combinators.combine(
                            Arbitraries.integers().between(0, b.length - 1), Arbitraries.bytes())
                        .as(
                            (at, value) -> {
                              byte[] copy = b.clone();
                              copy[at] = value;
                              return copy;
                            }));
    return Arbitraries.oneOf(any, mutated);
  }
}
