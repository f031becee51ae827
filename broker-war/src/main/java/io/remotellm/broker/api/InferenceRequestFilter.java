package io.remotellm.broker.api;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.protocol.RelayedEndpoints;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Reads the body of a relayed call ({@link RelayedEndpoints}: OpenAI's, Responses, Anthropic
 * Messages; bounded by max-body-bytes), takes {@code model} and {@code stream} from it when the
 * call is routed by model, and routes the request to the streaming or the buffered resource method:
 * JAX-RS matches methods by path and headers, not by a field inside the body, and the two cases
 * need different async APIs ({@code SseEventSink} and {@code AsyncResponse}).
 *
 * <p>The body's {@code stream} alone decides between SSE and JSON, as on OpenAI's API: the {@code
 * Accept} header is set here to what that answer will be, so content negotiation can never refuse
 * it with 406. The official SDKs send {@code Accept: application/json} on streamed calls too.
 */
@Provider
@PreMatching
@Priority(3000)
public class InferenceRequestFilter implements ContainerRequestFilter {

  static final String CHAT_BODY = "io.remotellm.broker.chat-body";
  static final String ENDPOINT = "io.remotellm.broker.endpoint";
  static final String RELAYED_ENDPOINT = "io.remotellm.broker.relayed-endpoint";

  /** The calls that may answer with a stream; the others (embeddings, token counts) never do. */
  private static final Set<String> STREAMABLE =
      Set.of("/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages");

  @Inject BrokerSettings settings;

  private final BodyInspector inspector = new BodyInspector();

  @Override
  public void filter(ContainerRequestContext request) throws IOException {
    String endpoint = path(request.getUriInfo().getPath());
    RelayedEndpoints.Endpoint relayed =
        RelayedEndpoints.find(request.getMethod(), endpoint).orElse(null);
    if (relayed == null) {
      // Everything else under /v1 (the model list, errors) is JSON, whatever the client accepts.
      request.getHeaders().putSingle(HttpHeaders.ACCEPT, MediaType.APPLICATION_JSON);
      return;
    }
    long max = settings.maxBodyBytes();
    String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > max) {
          throw new ApiException(ApiError.tooLarge(max));
        }
      } catch (NumberFormatException e) {
        throw new ApiException(ApiError.invalidRequest("Invalid Content-Length", null));
      }
    }
    byte[] body =
        request.hasEntity()
            ? BodyInspector.readAtMost(request.getEntityStream(), max)
            : new byte[0];
    ChatBody chat;
    if (relayed.routing() == RelayedEndpoints.Routing.BY_MODEL) {
      chat = inspector.inspect(body);
    } else {
      // Routed by the id in the path: the body (a cancel's, if any) goes on unread.
      chat = new ChatBody(null, false, new String(body, StandardCharsets.UTF_8));
    }
    if (chat.stream() && !STREAMABLE.contains(endpoint)) {
      // Embeddings and token counts have no streaming form: JSON whatever the body says.
      chat = new ChatBody(chat.model(), false, chat.text());
    }
    request.setProperty(CHAT_BODY, chat);
    request.setProperty(ENDPOINT, endpoint);
    request.setProperty(RELAYED_ENDPOINT, relayed);
    request.setEntityStream(new ByteArrayInputStream(body));
    request
        .getHeaders()
        .putSingle(
            HttpHeaders.ACCEPT,
            chat.stream() ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
    URI base = request.getUriInfo().getBaseUri();
    request.setRequestUri(
        base,
        base.resolve(chat.stream() ? InferenceResource.STREAMED : InferenceResource.BUFFERED));
  }

  /** The relayed call {@code method path} is (under /v1, one trailing slash allowed), or null. */
  static RelayedEndpoints.Endpoint endpoint(String method, String path) {
    return RelayedEndpoints.find(method, path(path)).orElse(null);
  }

  /**
   * {@code path} under /v1 as the client gave it (Jersey drops the leading slash, RESTEasy not).
   */
  private static String path(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return "/v1/" + p;
  }
}
