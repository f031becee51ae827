package io.remotellm.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommaListTest {

  @Test
  void splitsTrimsAndDropsBlanks() {
    assertThat(CommaList.parse(" a, b ,,c ,")).containsExactly("a", "b", "c");
  }

  @Test
  void emptyOrMissingIsEmpty() {
    assertThat(CommaList.parse(Optional.empty())).isEmpty();
    assertThat(CommaList.parse("")).isEmpty();
    assertThat(CommaList.parse(" , ")).isEmpty();
    assertThat(CommaList.parse((String) null)).isEmpty();
  }

  @Test
  void duplicatesCountOnce() {
    assertThat(CommaList.parse("k1,k2,k1")).containsExactly("k1", "k2");
  }

  @Test
  void logLevelsMapToJul() {
    assertThat(LogLevelConfigurer.toLevel("DEBUG")).isEqualTo(java.util.logging.Level.FINE);
    assertThat(LogLevelConfigurer.toLevel("info")).isEqualTo(java.util.logging.Level.INFO);
    assertThat(LogLevelConfigurer.toLevel("WARNING")).isEqualTo(java.util.logging.Level.WARNING);
    assertThat(LogLevelConfigurer.toLevel("ERROR")).isEqualTo(java.util.logging.Level.SEVERE);
    assertThat(LogLevelConfigurer.toLevel("bogus")).isEqualTo(java.util.logging.Level.INFO);
  }
}
