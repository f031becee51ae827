package io.remotellm.st.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads an env file the two ways the services read it: as systemd reads an {@code
 * EnvironmentFile=}, and as bash reads it with {@code set -a; . file} (the launchd wrapper, and an
 * operator testing by hand).
 */
final class EnvFiles {
  private EnvFiles() {}

  private static final String WHITESPACE = " \t\n\r";
  private static final String NEWLINE = "\n\r";
  private static final String COMMENTS = "#;";
  private static final String SHELL_NEED_ESCAPE = "\"\\`$";

  private enum State {
    PRE_KEY,
    KEY,
    PRE_VALUE,
    VALUE,
    VALUE_ESCAPE,
    SINGLE_QUOTE_VALUE,
    DOUBLE_QUOTE_VALUE,
    DOUBLE_QUOTE_VALUE_ESCAPE,
    COMMENT,
    COMMENT_ESCAPE
  }

  /**
   * The variables systemd sets from an {@code EnvironmentFile=}: a line-by-line port of {@code
   * parse_env_file_internal()} in systemd's src/basic/env-file.c (the parser of Debian 12's systemd
   * 252 and later). Note what differs from a shell: a quote only opens at the start of a value or
   * right after a closing quote, so in {@code 'a'\''b'} the last quotes are literal characters.
   */
  static Map<String, String> readLikeSystemd(Path file) {
    String contents = read(file);
    Map<String, String> result = new LinkedHashMap<>();
    StringBuilder key = new StringBuilder();
    StringBuilder value = new StringBuilder();
    int lastValueWhitespace = -1;
    int lastKeyWhitespace = -1;
    State state = State.PRE_KEY;

    for (int i = 0; i < contents.length(); i++) {
      char c = contents.charAt(i);
      switch (state) {
        case PRE_KEY -> {
          if (COMMENTS.indexOf(c) >= 0) {
            state = State.COMMENT;
          } else if (WHITESPACE.indexOf(c) < 0) {
            state = State.KEY;
            lastKeyWhitespace = -1;
            key.append(c);
          }
        }
        case KEY -> {
          if (NEWLINE.indexOf(c) >= 0) {
            state = State.PRE_KEY;
            key.setLength(0);
          } else if (c == '=') {
            state = State.PRE_VALUE;
            lastValueWhitespace = -1;
          } else {
            if (WHITESPACE.indexOf(c) < 0) {
              lastKeyWhitespace = -1;
            } else if (lastKeyWhitespace == -1) {
              lastKeyWhitespace = key.length();
            }
            key.append(c);
          }
        }
        case PRE_VALUE -> {
          if (NEWLINE.indexOf(c) >= 0) {
            state = State.PRE_KEY;
            push(result, key, lastKeyWhitespace, value, -1);
          } else if (c == '\'') {
            state = State.SINGLE_QUOTE_VALUE;
          } else if (c == '"') {
            state = State.DOUBLE_QUOTE_VALUE;
          } else if (c == '\\') {
            state = State.VALUE_ESCAPE;
          } else if (WHITESPACE.indexOf(c) < 0) {
            state = State.VALUE;
            value.append(c);
          }
        }
        case VALUE -> {
          if (NEWLINE.indexOf(c) >= 0) {
            state = State.PRE_KEY;
            push(result, key, lastKeyWhitespace, value, lastValueWhitespace);
          } else if (c == '\\') {
            state = State.VALUE_ESCAPE;
            lastValueWhitespace = -1;
          } else {
            if (WHITESPACE.indexOf(c) < 0) {
              lastValueWhitespace = -1;
            } else if (lastValueWhitespace == -1) {
              lastValueWhitespace = value.length();
            }
            value.append(c);
          }
        }
        case VALUE_ESCAPE -> {
          state = State.VALUE;
          if (NEWLINE.indexOf(c) < 0) {
            value.append(c);
          }
        }
        case SINGLE_QUOTE_VALUE -> {
          if (c == '\'') {
            state = State.PRE_VALUE;
          } else {
            value.append(c);
          }
        }
        case DOUBLE_QUOTE_VALUE -> {
          if (c == '"') {
            state = State.PRE_VALUE;
          } else if (c == '\\') {
            state = State.DOUBLE_QUOTE_VALUE_ESCAPE;
          } else {
            value.append(c);
          }
        }
        case DOUBLE_QUOTE_VALUE_ESCAPE -> {
          state = State.DOUBLE_QUOTE_VALUE;
          if (SHELL_NEED_ESCAPE.indexOf(c) >= 0) {
            value.append(c);
          } else if (c != '\n') {
            value.append('\\').append(c);
          }
        }
        case COMMENT -> {
          if (c == '\\') {
            state = State.COMMENT_ESCAPE;
          } else if (NEWLINE.indexOf(c) >= 0) {
            state = State.PRE_KEY;
          }
        }
        case COMMENT_ESCAPE -> {
          // systemd 252 continued a comment over an escaped newline; 254 and later end it. The
          // installers never end a comment with a backslash, so both readings agree on their files.
          state = NEWLINE.indexOf(c) >= 0 ? State.PRE_KEY : State.COMMENT;
        }
      }
    }
    switch (state) {
      case PRE_VALUE,
          VALUE_ESCAPE,
          SINGLE_QUOTE_VALUE,
          DOUBLE_QUOTE_VALUE,
          DOUBLE_QUOTE_VALUE_ESCAPE ->
          push(result, key, lastKeyWhitespace, value, -1);
      case VALUE -> push(result, key, lastKeyWhitespace, value, lastValueWhitespace);
      default -> {
        // A file ending in a key without "=", or in a comment, sets nothing more.
      }
    }
    return result;
  }

  private static void push(
      Map<String, String> result,
      StringBuilder key,
      int lastKeyWhitespace,
      StringBuilder value,
      int lastValueWhitespace) {
    if (lastKeyWhitespace >= 0) {
      key.setLength(lastKeyWhitespace);
    }
    if (lastValueWhitespace >= 0) {
      value.setLength(lastValueWhitespace);
    }
    result.put(key.toString(), value.toString());
    key.setLength(0);
    value.setLength(0);
  }

  /**
   * The REMOTELLM_* variables that bash exports after {@code set -a; . file}, in a clean
   * environment.
   */
  static Map<String, String> readLikeBash(Path file) {
    ProcessBuilder builder =
        new ProcessBuilder(
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            "bash",
            "--noprofile",
            "--norc",
            "-c",
            "set -euo pipefail; set -a; . \"$1\"; set +a; env -0",
            "bash",
            file.toString());
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      byte[] out = process.getInputStream().readAllBytes();
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError("bash could not source " + file + ": " + err);
      }
      if (!err.isEmpty()) {
        throw new AssertionError("bash complained sourcing " + file + ": " + err);
      }
      return remotellmVariables(new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The REMOTELLM_* entries of {@code env -0} output. */
  static Map<String, String> remotellmVariables(String nulSeparated) {
    Map<String, String> vars = new TreeMap<>();
    for (String entry : nulSeparated.split("\0")) {
      int eq = entry.indexOf('=');
      if (eq > 0 && entry.startsWith("REMOTELLM_")) {
        vars.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return vars;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
