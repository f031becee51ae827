package io.remotellm.broker.usage;

/**
 * Reads the usage of one answer of one API family as it passes through the broker. Cheap by design:
 * an event is looked at as text, and only the one that carries usage is parsed. One scanner per
 * request, called by one thread at a time (the exchange serialises).
 */
public interface UsageScanner {

  /**
   * One streamed event: an SSE event's data, or an NDJSON line. Returns false when the client must
   * not see it (the usage-only chunk the broker asked for on the client's behalf).
   */
  boolean event(String payload);

  /** A piece of a non-streamed answer body (a body may come in several pieces). */
  void body(String piece);

  /** The tokens the LLM reported, or null if it reported none (yet). */
  TokenUsage reported();

  /**
   * Whether {@link #reported} is final: an answer cut after a partial report (Anthropic's input
   * count, before the output's) is then marked estimated.
   */
  default boolean complete() {
    return reported() != null;
  }
}
