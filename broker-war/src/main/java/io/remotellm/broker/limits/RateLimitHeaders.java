package io.remotellm.broker.limits;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenAI's rate-limit headers for an {@link Admission}: {@code x-ratelimit-limit-requests}, {@code
 * x-ratelimit-remaining-requests}, {@code x-ratelimit-reset-requests} and the same three for
 * tokens, each only where the user has such a limit; and {@code Retry-After} (whole seconds) on a
 * refusal. Resets are written as OpenAI writes them: {@code 20ms}, {@code 1.5s}, {@code 6m0s}.
 */
public final class RateLimitHeaders {

  private RateLimitHeaders() {}

  public static Map<String, String> of(Admission a) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (a.requestLimit() >= 0) {
      headers.put("x-ratelimit-limit-requests", Long.toString(a.requestLimit()));
      headers.put("x-ratelimit-remaining-requests", Long.toString(a.requestsRemaining()));
      headers.put("x-ratelimit-reset-requests", duration(a.requestsResetMillis()));
    }
    if (a.tokenLimit() >= 0) {
      headers.put("x-ratelimit-limit-tokens", Long.toString(a.tokenLimit()));
      headers.put("x-ratelimit-remaining-tokens", Long.toString(a.tokensRemaining()));
      headers.put("x-ratelimit-reset-tokens", duration(a.tokensResetMillis()));
    }
    if (!a.admitted()) {
      headers.put("Retry-After", Long.toString(Math.max(1, (a.retryAfterMillis() + 999) / 1000)));
    }
    return headers;
  }

  /** Milliseconds as Go prints a duration, which is what OpenAI's headers look like. */
  static String duration(long millis) {
    long ms = Math.max(0, millis);
    if (ms < 1000) {
      return ms + "ms";
    }
    long hours = ms / 3_600_000;
    long minutes = ms / 60_000 % 60;
    String seconds = seconds(ms % 60_000);
    if (hours > 0) {
      return hours + "h" + minutes + "m" + seconds;
    }
    return minutes > 0 ? minutes + "m" + seconds : seconds;
  }

  private static String seconds(long ms) {
    String s = Long.toString(ms / 1000);
    long fraction = ms % 1000;
    if (fraction == 0) {
      return s + "s";
    }
    String f = String.format("%03d", fraction).replaceAll("0+$", "");
    return s + "." + f + "s";
  }
}
