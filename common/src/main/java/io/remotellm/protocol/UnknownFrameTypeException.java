package io.remotellm.protocol;

/** A well-formed frame whose {@code type} this protocol version does not know. */
public class UnknownFrameTypeException extends ProtocolException {
  private static final long serialVersionUID = 1L;
  private final String type;

  public UnknownFrameTypeException(String type) {
    super("unknown frame type '" + abbreviate(type) + "'");
    this.type = type;
  }

  public String type() {
    return type;
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "…";
  }
}
