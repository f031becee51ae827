package io.remotellm.broker.cluster;

/**
 * The messages of a peer link ({@link PeerLink}, {@link PeerLinkEndpoint}): a first line naming
 * what the message is and which forwarded request it is about, then the payload. The forwarding
 * broker sends {@code R <id>} (the request, as {@link ClusterForwarding} encodes it for HTTP) and
 * {@code C <id>} (its client went away: cancel); the serving broker answers with {@code A <id>}
 * (more {@link SinkEvents} lines) and {@code Z <id>} (the last lines: the request is over). The id
 * is the forwarding broker's number for the request on that link, nothing the client chose.
 */
final class PeerLinkFrames {
  static final char REQUEST = 'R';
  static final char CANCEL = 'C';
  static final char ANSWER = 'A';
  static final char LAST = 'Z';

  /** One message as read: its kind, its request's id, and what follows the first line. */
  record Frame(char kind, long id, String payload) {}

  private PeerLinkFrames() {}

  static String request(long id, String body) {
    return REQUEST + " " + id + "\n" + body;
  }

  static String cancel(long id) {
    return CANCEL + " " + id;
  }

  /** {@code lines}: SinkEvents lines, each ending in a line break (may be empty for LAST). */
  static String answer(long id, boolean last, String lines) {
    return (last ? LAST : ANSWER) + " " + id + "\n" + lines;
  }

  /** The message read back; throws IllegalArgumentException for anything else. */
  static Frame parse(String text) {
    int eol = text.indexOf('\n');
    String first = eol < 0 ? text : text.substring(0, eol);
    if (first.length() < 3 || first.charAt(1) != ' ' || first.length() > 22) {
      throw new IllegalArgumentException("not a peer link frame");
    }
    char kind = first.charAt(0);
    if (kind != REQUEST && kind != CANCEL && kind != ANSWER && kind != LAST) {
      throw new IllegalArgumentException("unknown peer link frame kind");
    }
    long id;
    try {
      id = Long.parseLong(first.substring(2));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad peer link frame id", e);
    }
    return new Frame(kind, id, eol < 0 ? "" : text.substring(eol + 1));
  }
}
