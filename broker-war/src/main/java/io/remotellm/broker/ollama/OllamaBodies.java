package io.remotellm.broker.ollama;

import io.remotellm.broker.api.BodyInspector;
import io.remotellm.broker.api.ChatBody;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

/**
 * The body rules of Ollama's relayed calls: read at most max-body-bytes, then the model and whether
 * the answer streams. Ollama streams chat and generate unless the body says {@code "stream":false}
 * (OpenAI's API does the opposite); embed, embeddings and show never stream; show still takes the
 * model as {@code name}, as older clients send it.
 */
final class OllamaBodies {

  /** Relayed by model, streamed unless the body says {@code "stream":false}. */
  private static final Set<String> STREAMING = Set.of("/chat", "/generate");

  /** Relayed by model, always answered as one JSON object. */
  private static final Set<String> NEVER_STREAMED = Set.of("/embed", "/embeddings", "/show");

  private final BodyInspector inspector = new BodyInspector();

  /** Whether {@code path} (under {@code /api}) is relayed by model. */
  static boolean relayed(String path) {
    return STREAMING.contains(path) || NEVER_STREAMED.contains(path);
  }

  /** The body of a call to {@code path}, or 400/413 in an {@link ApiException}. */
  ChatBody read(String path, long contentLength, InputStream in, long max) throws IOException {
    if (contentLength > max) {
      throw new ApiException(ApiError.tooLarge(max));
    }
    byte[] bytes = BodyInspector.readAtMost(in, max);
    boolean streaming = STREAMING.contains(path);
    ChatBody body =
        inspector.inspect(bytes, streaming, "model", path.equals("/show") ? "name" : null);
    return streaming ? body : new ChatBody(body.model(), false, body.text());
  }
}
