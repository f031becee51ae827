package io.remotellm.protocol;

import java.util.Set;

/**
 * The LLM calls that travel through the relay: OpenAI's and Ollama's inference endpoints, {@code
 * POST} only. The broker relays these and nothing else; a connector forwards these and nothing
 * else, whatever a request frame says, because the LLM server behind it usually has no auth of its
 * own and more API than this (pulling and deleting models, server slots), which must stay out of
 * reach of whoever holds the broker end.
 */
public final class RelayedEndpoints {
  private RelayedEndpoints() {}

  public static final Set<String> PATHS =
      Set.of(
          "/v1/chat/completions",
          "/v1/completions",
          "/v1/embeddings",
          // Ollama's native inference calls; its model management (/api/pull...) stays out.
          "/api/chat",
          "/api/generate",
          "/api/embed",
          "/api/embeddings",
          "/api/show");

  /** True for a POST to one of {@link #PATHS}, exactly (no query, no dot segments). */
  public static boolean allows(String method, String path) {
    return "POST".equals(method) && path != null && PATHS.contains(path);
  }

  /** For messages: what is relayed. */
  public static String describe() {
    return "POST " + String.join(", ", PATHS.stream().sorted().toList());
  }
}
