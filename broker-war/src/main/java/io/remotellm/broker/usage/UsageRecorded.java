package io.remotellm.broker.usage;

import java.time.Duration;
import java.time.Instant;

/**
 * One relayed request, ended however it ended (answered, failed, timed out, cancelled by the
 * client): who asked, for what, how it went and what it used. Fired exactly once per request that
 * reached the relay, by the relay's dispatcher as the exchange finishes. Holds no key, prompt or
 * answer.
 *
 * @param started when the broker took the request
 * @param requestId the client's {@code x-request-id} (for logs and the ledger; never a metric
 *     label)
 * @param user the user's name from the users file, or null for a key from {@code --user-api-key}
 *     (or anonymous access), which has no name
 * @param api the API family the client spoke ({@code openai}, later {@code anthropic}, {@code
 *     ollama})
 * @param endpoint the path the client called, e.g. {@code /v1/chat/completions}
 * @param model the requested model
 * @param connectorId the last connector tried, or null if none was
 * @param status the HTTP status the request ended with (499 when the client went away)
 * @param cancelled true when the client went away before the answer was complete
 * @param streamed true for an SSE answer
 * @param usage the tokens used ({@link TokenUsage#UNKNOWN} when nothing is known)
 * @param timeToFirstToken from start to the first answer byte from the connector; null if none came
 * @param duration from start to the end of the exchange
 */
public record UsageRecorded(
    Instant started,
    String requestId,
    String user,
    String api,
    String endpoint,
    String model,
    String connectorId,
    int status,
    boolean cancelled,
    boolean streamed,
    TokenUsage usage,
    Duration timeToFirstToken,
    Duration duration) {}
