package io.remotellm.broker.usage;

/**
 * The tokens one answer used.
 *
 * @param input prompt tokens ({@code prompt_tokens}, {@code input_tokens}, {@code
 *     prompt_eval_count})
 * @param output generated tokens ({@code completion_tokens}, {@code output_tokens}, {@code
 *     eval_count})
 * @param estimated true when the LLM never said (a cut stream, an answer without usage) and the
 *     figures are the broker's guess, possibly 0
 */
public record TokenUsage(long input, long output, boolean estimated) {

  /** Nothing known: no usage reported and nothing estimated. */
  public static final TokenUsage UNKNOWN = new TokenUsage(0, 0, true);

  public TokenUsage {
    if (input < 0 || output < 0) {
      throw new IllegalArgumentException("token counts must not be negative");
    }
  }

  public long total() {
    return input + output;
  }
}
