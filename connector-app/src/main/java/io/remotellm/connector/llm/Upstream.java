package io.remotellm.connector.llm;

import io.remotellm.protocol.Request;

/** Where requests are answered: a real LLM over HTTP, or the built-in demo model. */
public interface Upstream {

  /**
   * Starts answering {@code request} into {@code sink} and returns at once. The implementation
   * registers with {@link AnswerFrames#onCancel(Runnable)} how to stop its work.
   */
  void forward(Request request, AnswerFrames sink);
}
