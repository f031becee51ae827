package io.remotellm.connector.connection;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Request;

/**
 * What the relay hands the broker's requests to; called on socket threads, so it must not block.
 */
public interface RequestHandler {

  /** Start forwarding; answer frames go out through {@code sender}. */
  void onRequest(Request request, FrameSender sender);

  void onCancel(Cancel cancel);

  /** The socket is gone: nobody can receive answers any more, so stop the LLM's work. */
  void onDisconnected();
}
