package io.remotellm.broker.usage;

/**
 * A non-streamed answer comes in pieces of up to 64 KiB, and its usage may straddle two of them.
 * Each piece is scanned together with the end of the one before, so nothing is missed and nothing
 * but that end is kept.
 */
final class BodyTail {

  private static final int KEEP = 2 * JsonScan.MAX_OBJECT;

  private String tail = "";

  /** The text to scan now: the kept end of the earlier pieces, then {@code piece}. */
  String next(String piece) {
    String window = tail.isEmpty() ? piece : tail + piece;
    tail = window.length() <= KEEP ? window : window.substring(window.length() - KEEP);
    return window;
  }
}
