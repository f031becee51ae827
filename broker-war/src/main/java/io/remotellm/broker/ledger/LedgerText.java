package io.remotellm.broker.ledger;

/**
 * Strings into columns of a fixed width: a value too long is cut, and a NUL (which PostgreSQL
 * refuses in text) replaced, so no value a client chose can fail a batch, which would then be
 * retried for ever and hold up every row behind it.
 */
final class LedgerText {

  private LedgerText() {}

  static String cut(String value, int max) {
    if (value == null) {
      return null;
    }
    if (value.indexOf('\u0000') >= 0) {
      value = value.replace('\u0000', '\uFFFD');
    }
    if (value.length() <= max) {
      return value;
    }
    int end = max;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--; // never half a character
    }
    return value.substring(0, end);
  }
}
