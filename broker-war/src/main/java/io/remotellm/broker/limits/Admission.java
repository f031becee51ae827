package io.remotellm.broker.limits;

/**
 * The limiter's answer to one request, and what the client is told in the rate-limit headers.
 * Request and token figures are -1 where the user has no such limit.
 *
 * @param refusedBy null when admitted; else the limit that refused it ({@code requests_per_minute},
 *     {@code tokens_per_minute}, {@code tokens_per_day}, {@code max_concurrent})
 * @param retryAfterMillis when refused: how long until that limit has room again
 * @param requestLimit requests per minute
 * @param requestsRemaining requests left in the current minute (after this one)
 * @param requestsResetMillis until the request window starts afresh
 * @param tokenLimit tokens per minute, or per day when only that is set
 * @param tokensRemaining tokens left in that window
 * @param tokensResetMillis until that window starts afresh
 */
public record Admission(
    String refusedBy,
    long retryAfterMillis,
    long requestLimit,
    long requestsRemaining,
    long requestsResetMillis,
    long tokenLimit,
    long tokensRemaining,
    long tokensResetMillis) {

  public static final Admission UNLIMITED = new Admission(null, 0, -1, -1, 0, -1, -1, 0);

  public boolean admitted() {
    return refusedBy == null;
  }
}
