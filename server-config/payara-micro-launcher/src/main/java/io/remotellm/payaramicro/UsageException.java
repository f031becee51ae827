package io.remotellm.payaramicro;

/** Bad flags or settings: the launcher prints the message and exits with 2, as the script did. */
final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
