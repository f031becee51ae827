package io.remotellm.protocol;

/**
 * Model names as Ollama writes them: a name without a tag means the tag {@code latest}, so {@code
 * llama3.2} and {@code llama3.2:latest} are one model. Routing and lists compare names by {@link
 * #canonical}; what a client sent is relayed as it came (Ollama accepts both forms).
 */
public final class ModelNames {
  public static final String LATEST = ":latest";

  private ModelNames() {}

  /** The name without a {@code :latest} tag; other names unchanged. */
  public static String canonical(String name) {
    if (name != null && name.length() > LATEST.length() && name.endsWith(LATEST)) {
      return name.substring(0, name.length() - LATEST.length());
    }
    return name;
  }

  /** Whether the two names mean one model. */
  public static boolean same(String a, String b) {
    return a != null && b != null && canonical(a).equals(canonical(b));
  }
}
