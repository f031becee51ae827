package io.remotellm.broker.usage;

/**
 * Watches one answer go by: hands it to its API family's {@link UsageScanner}, notes when the first
 * piece came, and counts what passed, to estimate the tokens where the LLM never said.
 */
public final class UsageMeter {

  /** A token is about four characters of English text: only for estimates. */
  private static final int CHARS_PER_TOKEN = 4;

  private static final String DONE = "[DONE]";

  /** What an error answer used: the LLM refused the request. */
  public static final TokenUsage NOTHING = new TokenUsage(0, 0, false);

  private final UsageScanner scanner;
  private final boolean streaming;
  private final long requestChars;
  private boolean answered;
  private long events;
  private long bodyChars;
  private boolean errorAnswer;

  public UsageMeter(UsageScanner scanner, boolean streaming, long requestChars) {
    this.scanner = scanner;
    this.streaming = streaming;
    this.requestChars = requestChars;
  }

  /** The LLM's status: an error answer is passed on as it came, and used no tokens we know of. */
  public void head(int status) {
    errorAnswer = status >= 400;
  }

  /** A piece of the answer; returns false when the client must not see it. */
  public boolean data(String payload) {
    answered = true;
    if (errorAnswer) {
      return true;
    }
    if (!streaming) {
      bodyChars += payload.length();
      scanner.body(payload);
      return true;
    }
    boolean pass = scanner.event(payload);
    if (pass && !DONE.equals(payload.strip())) {
      events++;
    }
    return pass;
  }

  /**
   * The usage of the answer; {@code cut} when it did not end normally (cancelled, failed, timed
   * out). Where the LLM never said, or was cut before its final count, the broker's count is used
   * and marked estimated: a streamed event is about a token, a body about four characters each.
   */
  public TokenUsage usage(boolean cut) {
    if (!answered) {
      return TokenUsage.UNKNOWN; // the LLM may have read the prompt; nobody can tell
    }
    if (errorAnswer) {
      return NOTHING; // the LLM refused: it generated nothing
    }
    TokenUsage reported = scanner.reported();
    long counted = streaming ? events : divide(bodyChars);
    if (reported == null) {
      return new TokenUsage(divide(requestChars), counted, true);
    }
    if (cut && !scanner.complete()) {
      return new TokenUsage(reported.input(), Math.max(reported.output(), counted), true);
    }
    return reported;
  }

  private static long divide(long chars) {
    return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }
}
