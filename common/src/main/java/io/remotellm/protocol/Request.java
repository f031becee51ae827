package io.remotellm.protocol;

import java.util.Map;

/**
 * Broker → connector: forward this to the LLM. {@code body} is the client's JSON text as it came;
 * {@code headers} carry {@code x-request-id}, the client's headers its API family needs at the LLM
 * ({@code anthropic-version}, {@code anthropic-beta}) and, where configured, the LLM key as {@code
 * authorization} (the connector passes it on the way the family expects). {@code api} is the
 * family's wire name ({@link LlmApi}); an older broker sends none, which means {@code openai}.
 * {@code query} is the client's query string as it came (without the {@code ?}, still
 * percent-encoded), for the LLM too, e.g. {@code include[]=...} on {@code GET /v1/responses/{id}};
 * null when there was none (and from an older broker, which dropped it). Only a {@link
 * #isValidQuery valid} one is ever forwarded.
 */
public record Request(
    String id,
    String method,
    String path,
    Map<String, String> headers,
    String body,
    boolean stream,
    String api,
    String query)
    implements Frame {

  /** Longest query forwarded: far above what OpenAI's or Anthropic's SDKs send. */
  public static final int MAX_QUERY = 2048;

  /**
   * The characters a query may hold besides letters, digits and percent-escapes (RFC 3986): no
   * space, '#', control character or raw bracket ({@link java.net.URI} refuses those; a broker
   * escapes a client's brackets first).
   */
  private static final String QUERY_MARKS = "-._~!$&'()*+,;=:@/?";

  public Request {
    Fields.required(id, "id");
    Fields.required(method, "method");
    Fields.required(path, "path");
    headers = Fields.headers(headers);
    body = body == null ? "" : body;
    query = query == null || query.isEmpty() ? null : query;
  }

  /** A request without a query string. */
  public Request(
      String id,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      boolean stream,
      String api) {
    this(id, method, path, headers, body, stream, api, null);
  }

  /** A request of the {@code openai} family, as an older broker sends it. */
  public Request(
      String id,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      boolean stream) {
    this(id, method, path, headers, body, stream, null, null);
  }

  /**
   * Whether {@code query} may go to the LLM as it is: none, or at most {@link #MAX_QUERY} URI
   * characters. Anything else (a space, a control character, a fragment) is refused, never
   * repaired: the broker answers 400, the connector too if a broker sends one.
   */
  public static boolean isValidQuery(String query) {
    if (query == null) {
      return true;
    }
    if (query.length() > MAX_QUERY) {
      return false;
    }
    for (int i = 0; i < query.length(); i++) {
      char c = query.charAt(i);
      if (c == '%') {
        if (i + 2 >= query.length() || !hex(query.charAt(i + 1)) || !hex(query.charAt(i + 2))) {
          return false;
        }
        i += 2;
      } else if (!(c < 128 && (Character.isLetterOrDigit(c) || QUERY_MARKS.indexOf(c) >= 0))) {
        return false;
      }
    }
    return true;
  }

  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** The family this request belongs to: its {@code api}, else its path's, else {@code openai}. */
  public LlmApi family() {
    return LlmApi.of(api)
        .orElseGet(
            () ->
                RelayedEndpoints.find(method, path)
                    .map(RelayedEndpoints.Endpoint::api)
                    .orElse(LlmApi.OPENAI));
  }

  /**
   * Shows the shape, never the headers (they may hold a key) nor the body (it holds the prompt).
   */
  @Override
  public String toString() {
    return "Request[id="
        + id
        + ", "
        + method
        + " "
        + path
        + ", stream="
        + stream
        + (api == null ? "" : ", api=" + api)
        + (query == null ? "" : ", query=" + query.length() + " chars")
        + "]";
  }
}
