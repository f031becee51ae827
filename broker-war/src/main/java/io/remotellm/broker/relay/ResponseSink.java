package io.remotellm.broker.relay;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.usage.UsageRecorded;
import java.util.Map;

/**
 * Where an exchange writes the answer: an SSE stream or a suspended HTTP response. Called by one
 * thread at a time (the exchange serialises), never after {@link #end} or {@link #fail}.
 */
public interface ResponseSink {

  boolean streaming();

  /** The LLM answered with this status and these headers. */
  void head(int status, Map<String, String> headers);

  /** Streaming: one SSE payload, verbatim. Non-streaming: a piece of the body. */
  void data(String payload);

  /**
   * Streaming: one SSE event, its name ({@code event}, null for an unnamed event) kept. A body
   * piece has no name, so the default passes the payload on.
   */
  default void data(String event, String payload) {
    data(payload);
  }

  /** The answer is complete. */
  void end();

  /**
   * The request failed; {@code afterHead} tells whether the client has already seen the LLM's
   * status.
   */
  void fail(ApiError error, boolean afterHead);

  /** Streaming: a comment that keeps proxies from cutting an idle stream; no-op otherwise. */
  void keepAlive();

  /** Called at most once, from any thread, when the sink learns the client has gone. */
  void onClientGone(Runnable callback);

  /**
   * True when the request was admitted by another broker of the cluster, which counts its usage:
   * the usage then goes there by {@link #forwardUsage}, and this broker's usage listeners do not
   * count it too.
   */
  default boolean forwardsUsage() {
    return false;
  }

  /**
   * The usage of a request whose sink {@link #forwardsUsage}, after {@link #end} or {@link #fail}.
   */
  default void forwardUsage(UsageRecorded usage) {
    throw new UnsupportedOperationException("this sink's usage is counted by this broker");
  }
}
