package io.remotellm.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The API families a client may speak to the broker and an LLM server may answer. A connector says
 * which its LLM offers ({@code hello.apis}); the broker relays a request only to a connector whose
 * LLM speaks the request's family. The wire names are lower case and stable.
 */
public enum LlmApi {
  /** OpenAI chat completions, completions, embeddings: what every OpenAI-compatible server has. */
  OPENAI("openai", "OpenAI chat completions"),
  /** OpenAI's Responses API ({@code /v1/responses}). */
  RESPONSES("responses", "OpenAI Responses"),
  /** Anthropic's Messages API ({@code /v1/messages}). */
  ANTHROPIC("anthropic", "Anthropic Messages"),
  /** Ollama's own API ({@code /api/...}). */
  OLLAMA("ollama", "Ollama");

  /** What a connector that names no APIs (protocol 2 without {@code apis}) offers. */
  public static final Set<LlmApi> DEFAULT = Set.of(OPENAI);

  private final String wireName;
  private final String title;

  LlmApi(String wireName, String title) {
    this.wireName = wireName;
    this.title = title;
  }

  /** The name in {@code hello.apis}, {@code --llm-api} and {@code /health}. */
  public String wireName() {
    return wireName;
  }

  /** For people: "Anthropic Messages". */
  public String title() {
    return title;
  }

  /** The family of this wire name (any case, surrounding blanks ignored), if there is one. */
  public static Optional<LlmApi> of(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String n = name.strip().toLowerCase(Locale.ROOT);
    for (LlmApi api : values()) {
      if (api.wireName.equals(n)) {
        return Optional.of(api);
      }
    }
    return Optional.empty();
  }

  /**
   * A comma list such as {@code openai,responses,anthropic}.
   *
   * @throws IllegalArgumentException naming the unknown entry and the known ones
   */
  public static Set<LlmApi> parseList(String list) {
    Set<LlmApi> apis = EnumSet.noneOf(LlmApi.class);
    for (String part : list.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      apis.add(
          of(part)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown API '"
                              + Bounds.cut(part.strip(), Bounds.QUOTED)
                              + "': expected a comma list of "
                              + String.join(", ", wireNames(EnumSet.allOf(LlmApi.class))))));
    }
    if (apis.isEmpty()) {
      throw new IllegalArgumentException("no API named: expected e.g. openai,responses,anthropic");
    }
    return Set.copyOf(apis);
  }

  /**
   * The families among {@code names} that this version knows; unknown names (a newer peer's) are
   * left out. No names at all (an older connector) means {@link #DEFAULT}.
   */
  public static Set<LlmApi> fromWire(Collection<String> names) {
    if (names == null || names.isEmpty()) {
      return DEFAULT;
    }
    Set<LlmApi> apis = EnumSet.noneOf(LlmApi.class);
    for (String name : names) {
      of(name).ifPresent(apis::add);
    }
    return apis.isEmpty() ? DEFAULT : Set.copyOf(apis);
  }

  /** Wire names in declaration order, for frames, health and messages. */
  public static List<String> wireNames(Collection<LlmApi> apis) {
    List<String> names = new ArrayList<>();
    for (LlmApi api : values()) {
      if (apis.contains(api)) {
        names.add(api.wireName);
      }
    }
    return List.copyOf(names);
  }
}
