package io.remotellm.protocol;

import java.nio.charset.CharacterCodingException;

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
    try {
      return Utf8Text.decode(bytes);
    } catch (CharacterCodingException e) {
      throw new ProtocolException("a binary message that is not valid UTF-8");
    }
  }
}
