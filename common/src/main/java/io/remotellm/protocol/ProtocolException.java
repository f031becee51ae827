package io.remotellm.protocol;

/**
 * A text that is not a valid frame of this protocol: bad JSON, an unknown type, a missing field.
 */
public class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
