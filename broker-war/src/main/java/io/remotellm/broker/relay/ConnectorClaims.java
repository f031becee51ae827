package io.remotellm.broker.relay;

import io.remotellm.protocol.Bounds;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ModelsChanged;
import java.util.List;

/**
 * What a connector says about itself and the broker keeps and shows (its models, its name), held to
 * {@link Bounds}: connectors are authenticated but not trusted, and one that registers a hundred
 * thousand models or a megabyte-long name must not fill the broker's memory, its model list or its
 * log. The frame itself is already bounded by the WebSocket's frame limit.
 */
final class ConnectorClaims {

  /** API families a hello may name, and their names' length: there are four today. */
  static final int MAX_APIS = 16;

  static final int MAX_API_NAME = 32;

  private ConnectorClaims() {}

  /**
   * Why {@code frame} claims more than the broker keeps, as a WebSocket close reason (at most 123
   * bytes), or null when it is within the bounds or carries no claims.
   */
  static String refusal(Frame frame) {
    if (frame instanceof Hello hello) {
      if (hello.connector().length() > Bounds.CONNECTOR_NAME) {
        return "connector name longer than " + Bounds.CONNECTOR_NAME + " characters";
      }
      if (hello.apis() != null
          && (hello.apis().size() > MAX_APIS
              || hello.apis().stream().anyMatch(a -> a.length() > MAX_API_NAME))) {
        return "apis: at most " + MAX_APIS + " names of at most " + MAX_API_NAME + " characters";
      }
      return models(hello.models());
    }
    if (frame instanceof ModelsChanged changed) {
      return models(changed.models());
    }
    return null;
  }

  private static String models(List<String> models) {
    if (models.size() > Bounds.MODELS_PER_CONNECTOR) {
      return "too many models: " + models.size() + " (at most " + Bounds.MODELS_PER_CONNECTOR + ")";
    }
    for (String model : models) {
      if (model.length() > Bounds.MODEL_NAME) {
        return "a model name is longer than " + Bounds.MODEL_NAME + " characters";
      }
    }
    return null;
  }
}
