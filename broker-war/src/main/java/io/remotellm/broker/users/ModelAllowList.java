package io.remotellm.broker.users;

import io.remotellm.protocol.ModelNames;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The models a user may call, as globs: {@code *} stands for any run of characters (slashes
 * included, as in {@code meta-llama/*}), {@code ?} for one; everything else is literal. No list
 * means every model.
 */
public final class ModelAllowList {

  public static final ModelAllowList ANY = new ModelAllowList(null);

  private final List<String> globs;
  private final List<Pattern> patterns;

  private ModelAllowList(List<String> globs) {
    this.globs = globs == null ? null : List.copyOf(globs);
    this.patterns = globs == null ? null : globs.stream().map(ModelAllowList::compile).toList();
  }

  public static ModelAllowList of(List<String> globs) {
    return new ModelAllowList(globs);
  }

  public boolean allows(String model) {
    if (patterns == null) {
      return true;
    }
    // "llama3.2" and "llama3.2:latest" are one model: either spelling in the list allows both.
    String canonical = ModelNames.canonical(model);
    for (Pattern p : patterns) {
      if (p.matcher(model).matches()
          || p.matcher(canonical).matches()
          || p.matcher(canonical + ModelNames.LATEST).matches()) {
        return true;
      }
    }
    return false;
  }

  /** The globs, empty when any model is allowed (see {@link #restricted()}). */
  public List<String> globs() {
    return globs == null ? List.of() : globs;
  }

  public boolean restricted() {
    return patterns != null;
  }

  private static Pattern compile(String glob) {
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          regex.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        regex.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      regex.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  @Override
  public String toString() {
    return globs == null ? "any model" : String.valueOf(globs);
  }
}
