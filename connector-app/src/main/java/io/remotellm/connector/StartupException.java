package io.remotellm.connector;

/** The connector cannot start; the message is one line for the operator, without secrets. */
public final class StartupException extends Exception {
  private static final long serialVersionUID = 1L;

  public StartupException(String message) {
    super(message);
  }
}
