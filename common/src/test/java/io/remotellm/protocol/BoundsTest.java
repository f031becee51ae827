package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundsTest {

  @Test
  void shortTextIsKeptLongTextIsCutWithAMarker() {
    assertThat(Bounds.cut("abc", 3)).isEqualTo("abc");
    assertThat(Bounds.cut("abcdef", 3)).isEqualTo("abc…[3 more chars]");
    assertThat(Bounds.cut(null, 3)).isNull();
  }

  @Test
  void aCutNeverSplitsASurrogatePair() {
    String cut = Bounds.cut("ab\uD83C\uDF0Dcd", 3);
    assertThat(cut).startsWith("ab…");
  }

  @Test
  void logValuesAreBoundedAndShowControlCharactersVisibly() {
    assertThat(Bounds.forLog("x".repeat(2_000_000))).hasSizeLessThan(Bounds.LOG_FIELD + 40);
    assertThat(Bounds.forLog("a\nb\u001b[31m\u2028c"))
        .isEqualTo("a\\u000ab\\u001b[31m\\u2028c")
        .doesNotContain("\n", "\u001b", "\u2028");
    assertThat(Bounds.forLog(42)).isEqualTo("42");
    assertThat(Bounds.forLog(null)).isNull();
  }
}
