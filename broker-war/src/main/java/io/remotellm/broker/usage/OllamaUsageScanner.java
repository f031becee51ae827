package io.remotellm.broker.usage;

/**
 * Ollama's own API ({@code /api/chat}, {@code /api/generate}, {@code /api/embed}): top-level {@code
 * prompt_eval_count} and {@code eval_count} on the last object ({@code "done":true}), the body or
 * the stream's last NDJSON line. Ollama leaves out a count that is zero (a fully cached prompt).
 */
final class OllamaUsageScanner implements UsageScanner {

  private final BodyTail tail = new BodyTail();
  private TokenUsage reported;

  @Override
  public boolean event(String line) {
    read(line);
    return true;
  }

  @Override
  public void body(String piece) {
    read(tail.next(piece));
  }

  @Override
  public TokenUsage reported() {
    return reported;
  }

  private void read(String text) {
    if (!text.contains("eval_count\"")) {
      return;
    }
    long input = JsonScan.numberAfter(text, "prompt_eval_count");
    long output = JsonScan.numberAfter(text, "eval_count");
    if (input >= 0 || output >= 0) {
      reported = new TokenUsage(Math.max(0, input), Math.max(0, output), false);
    }
  }
}
