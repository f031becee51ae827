package io.remotellm.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A binary relay message (protocol 3) read as the text it carries: exactly the UTF-8 of the text
 * message the sender would otherwise have sent. Invalid UTF-8 is refused as a malformed frame,
 * never read with replacement characters, so a binary message means what the same text would.
 */
public final class FrameBytes {

  private FrameBytes() {}

  /**
   * The text of a binary message.
   *
   * @throws ProtocolException if the bytes are not valid UTF-8
   */
  public static String text(byte[] bytes) throws ProtocolException {
    // The JDK's lenient decoding is one intrinsic copy for ASCII. It replaces what is malformed by
    // U+FFFD, so only a text that contains U+FFFD (which a Latin-1 string cannot: that check does
    // not scan) needs the strict, slower decoder to tell a sent U+FFFD from malformed input.
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.indexOf('\uFFFD') < 0) {
      return text;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException("a binary message that is not valid UTF-8");
    }
  }
}
