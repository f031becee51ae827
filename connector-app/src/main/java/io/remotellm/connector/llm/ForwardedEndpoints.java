package io.remotellm.connector.llm;

import java.util.Set;

/**
 * The LLM endpoints a connector forwards for the broker: OpenAI's inference calls, nothing else.
 * The LLM server behind the connector usually has no auth of its own and more API than that
 * (pulling and deleting models, server slots); a broker, or anyone who takes its place, must not
 * reach it through the connector.
 */
public final class ForwardedEndpoints {
  private ForwardedEndpoints() {}

  private static final Set<String> PATHS = Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings");

  /** True for a POST to one of the inference paths, exactly (no query, no dot segments). */
  public static boolean allows(String method, String path) {
    return "POST".equals(method) && path != null && PATHS.contains(path);
  }

  public static String describe() {
    return "POST " + String.join(", ", PATHS.stream().sorted().toList());
  }
}
