package io.remotellm.settings;

/**
 * An env file of the seed's variables, as the programs print it for the installers ({@code
 * --print-env}): read alike by systemd's {@code EnvironmentFile=}, by bash's {@code .} and by the
 * macOS service wrapper. Every value is single-quoted; a single quote inside a value becomes {@code
 * '"'"'}: systemd, unlike bash, takes the {@code '\''} idiom's backslash-quote as the start of an
 * unquoted run in which later quotes are literal, so only this form reads the same in both. Inside
 * single quotes neither reads {@code $}, {@code `}, {@code \}, spaces or {@code #} specially.
 */
public final class EnvFile {

  /** A value no env file can hold safely; the message names the variable, never the value. */
  public static final class ValueException extends IllegalArgumentException {
    ValueException(String message) {
      super(message);
    }
  }

  private final StringBuilder text = new StringBuilder();

  /** Starts the file with comment lines saying whose settings these are and how to edit them. */
  public EnvFile(String what) {
    comment("RemoteLLM " + what + " settings: the seed's variables, read by the service at start.");
    comment("Lists are comma-separated. Every value is in single quotes; to put a ' in a value");
    comment("write '\"'\"' (systemd's EnvironmentFile and bash agree on that form only).");
    comment("Lines starting with # are defaults or examples. After a change: restart the service.");
  }

  /**
   * {@code NAME='value'}. A line break or other control character is refused: neither a service
   * manager nor an env file holds one safely, and no token, key, URL or path needs one.
   */
  public EnvFile set(String name, String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new ValueException(name + " contains a line break or control character");
      }
    }
    text.append(name).append('=').append(quote(value)).append('\n');
    return this;
  }

  /** {@code # NAME='example' (note)}: a setting left at its default, shown for the reader. */
  public EnvFile example(String name, String example, String note) {
    StringBuilder line = new StringBuilder(name);
    if (example != null) {
      line.append('=').append(quote(example));
    }
    if (note != null && !note.isEmpty()) {
      line.append("   (").append(note).append(')');
    }
    return comment(line.toString());
  }

  public EnvFile comment(String line) {
    text.append("# ").append(line).append('\n');
    return this;
  }

  public static String quote(String value) {
    return "'" + value.replace("'", "'\"'\"'") + "'";
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
