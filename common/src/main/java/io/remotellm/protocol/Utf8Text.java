package io.remotellm.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Bytes read as UTF-8 strictly: malformed input is refused, never replaced. */
public final class Utf8Text {

  private Utf8Text() {}

  /**
   * The text whose UTF-8 {@code bytes} are.
   *
   * @throws CharacterCodingException if they are not valid UTF-8
   */
  public static String decode(byte[] bytes) throws CharacterCodingException {
    // The JDK's lenient decoding is one intrinsic copy for ASCII. It replaces what is malformed by
    // U+FFFD, so only a text that contains U+FFFD (which a Latin-1 string cannot: that check does
    // not scan) needs the strict, slower decoder to tell a sent U+FFFD from malformed input.
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.indexOf('\uFFFD') < 0) {
      return text;
    }
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
