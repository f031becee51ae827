package io.remotellm.broker.limits;

import io.remotellm.broker.error.ApiError;

/** What a client over one of its limits is told; each API family's edge gives it its shape. */
public final class AdmissionRefusal {
  private AdmissionRefusal() {}

  /**
   * The 429, in OpenAI's shape ({@code type} {@code requests} or {@code tokens}, {@code code}
   * {@code rate_limit_exceeded}). Other API families make their own shape from the same error.
   */
  public static ApiError of(Admission admission) {
    String limit = admission.refusedBy();
    String type = limit.startsWith("tokens") ? "tokens" : "requests";
    String what =
        switch (limit) {
          case "requests_per_minute" -> "requests per minute";
          case "tokens_per_minute" -> "tokens per minute";
          case "tokens_per_day" -> "tokens per day";
          default -> "concurrent requests";
        };
    long seconds = Math.max(1, (admission.retryAfterMillis() + 999) / 1000);
    return new ApiError(
        429,
        type,
        "rate_limit_exceeded",
        "Rate limit reached on " + what + " (" + limit + "). Please try again in " + seconds + "s.",
        null);
  }
}
