package io.remotellm.broker.limits;

/**
 * One user's limits; 0 means no limit of that kind.
 *
 * @param requestsPerMinute requests admitted per minute
 * @param tokensPerMinute tokens (input and output) used per minute; a request is admitted while the
 *     minute has room, and its tokens are charged when its usage is known
 * @param tokensPerDay the same per UTC day
 * @param maxConcurrent requests in flight at once
 */
public record Limits(
    long requestsPerMinute, long tokensPerMinute, long tokensPerDay, long maxConcurrent) {

  public static final Limits NONE = new Limits(0, 0, 0, 0);

  public Limits {
    if (requestsPerMinute < 0 || tokensPerMinute < 0 || tokensPerDay < 0 || maxConcurrent < 0) {
      throw new IllegalArgumentException("limits must not be negative");
    }
  }

  public boolean none() {
    return equals(NONE);
  }
}
