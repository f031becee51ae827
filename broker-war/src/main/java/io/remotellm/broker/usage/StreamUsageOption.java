package io.remotellm.broker.usage;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

/**
 * The one change the broker makes to a body it relays: a streamed chat completion whose client did
 * not ask for {@code stream_options.include_usage} gets it asked for, since OpenAI-style servers
 * (llama.cpp, vLLM, Ollama among them) send no usage on a stream otherwise. The usage-only chunk
 * this adds is then kept from the client ({@link OpenAiUsageScanner}).
 */
public final class StreamUsageOption {

  static final String ENDPOINT = "/v1/chat/completions";
  private static final String ASK = "\"stream_options\":{\"include_usage\":true},";
  private static final JsonProvider JSON = JsonProvider.provider();

  /**
   * @param body what goes upstream
   * @param added whether the broker asked for usage the client did not
   */
  public record Prepared(String body, boolean added) {}

  private StreamUsageOption() {}

  /** {@code body} as it must go upstream; {@code body} is a JSON object (checked before). */
  public static Prepared prepare(String path, boolean stream, String body) {
    if (!stream || !ENDPOINT.equals(path)) {
      return new Prepared(body, false);
    }
    if (!body.contains("\"stream_options\"")) {
      // The usual case, done on the text: every other byte goes upstream as the client sent it.
      int brace = body.indexOf('{');
      return new Prepared(body.substring(0, brace + 1) + ASK + body.substring(brace + 1), true);
    }
    JsonObject object = JsonScan.parse(body);
    JsonValue options = object == null ? null : object.get("stream_options");
    if (options instanceof JsonObject given && given.get("include_usage") == JsonValue.TRUE) {
      return new Prepared(body, false); // the client asked for it, and sees it
    }
    if (object == null) {
      return new Prepared(body, false);
    }
    // The client set other stream options (or said false): only here is the body rewritten as a
    // whole, since a second "stream_options" key would be read differently by different servers.
    var merged =
        options instanceof JsonObject given
            ? JSON.createObjectBuilder(given)
            : JSON.createObjectBuilder();
    merged.add("include_usage", true);
    return new Prepared(
        JSON.createObjectBuilder(object).add("stream_options", merged).build().toString(), true);
  }
}
