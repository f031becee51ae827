package io.remotellm.broker.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelAllowListTest {

  @Test
  void globsMatchWholeNamesAndEverythingElseIsLiteral() {
    ModelAllowList list = ModelAllowList.of(List.of("llama3.2", "qwen3*", "meta-llama/*", "m?"));
    assertThat(list.allows("llama3.2")).isTrue();
    assertThat(list.allows("llama3x2")).isFalse(); // the dot is a dot
    assertThat(list.allows("llama3.2:70b")).isFalse();
    assertThat(list.allows("qwen3")).isTrue();
    assertThat(list.allows("qwen3:32b")).isTrue();
    assertThat(list.allows("xqwen3")).isFalse();
    assertThat(list.allows("meta-llama/Llama-3.1-8B")).isTrue();
    assertThat(list.allows("m1")).isTrue();
    assertThat(list.allows("m12")).isFalse();
  }

  @Test
  void regexCharactersInNamesAreLiteral() {
    ModelAllowList list = ModelAllowList.of(List.of("a+b(c)[d]\\E"));
    assertThat(list.allows("a+b(c)[d]\\E")).isTrue();
    assertThat(list.allows("aab(c)[d]\\E")).isFalse();
  }

  @Test
  void noListAllowsEveryModelAndAnEmptyOneNone() {
    assertThat(ModelAllowList.ANY.allows("anything")).isTrue();
    assertThat(ModelAllowList.of(List.of()).allows("anything")).isFalse();
  }
}
