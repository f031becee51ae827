package io.remotellm.broker.api;

import java.util.UUID;
import java.util.regex.Pattern;

/** The client's {@code x-request-id} when it is safe to echo and log, else a fresh one. */
public final class RequestIds {
  public static final String HEADER = "x-request-id";
  static final String PROPERTY = "io.remotellm.broker.request-id";

  // Bounded and plain, so a client cannot inject lines or bulk into our logs.
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");

  private RequestIds() {}

  public static String accept(String fromClient) {
    if (fromClient != null && SAFE.matcher(fromClient).matches()) {
      return fromClient;
    }
    return UUID.randomUUID().toString();
  }
}
