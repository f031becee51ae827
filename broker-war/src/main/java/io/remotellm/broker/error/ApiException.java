package io.remotellm.broker.error;

/** Ends a request with an {@link ApiError}; mapped to a response by the API layer. */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient ApiError error;

  public ApiException(ApiError error) {
    super(error.code() + ": " + error.message(), null, false, false);
    this.error = error;
  }

  public ApiError error() {
    return error;
  }
}
