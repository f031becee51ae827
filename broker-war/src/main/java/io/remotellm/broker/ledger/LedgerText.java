package io.remotellm.broker.ledger;

/** Strings into columns of a fixed width: a value too long is cut, never a failed batch. */
final class LedgerText {

  private LedgerText() {}

  static String cut(String value, int max) {
    if (value == null || value.length() <= max) {
      return value;
    }
    int end = max;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--; // never half a character
    }
    return value.substring(0, end);
  }
}
