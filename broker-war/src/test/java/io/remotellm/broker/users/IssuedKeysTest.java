package io.remotellm.broker.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.limits.Limits;
import io.remotellm.protocol.Fingerprint;
import java.util.List;
import org.junit.jupiter.api.Test;

class IssuedKeysTest {

  private final IssuedKeys keys = new IssuedKeys();
  private final Limits limits = new Limits(10, 0, 0, 2);

  @Test
  void aCreatedKeyFindsItsUserUntilRevoked() {
    String key = keys.create("carol", limits, ModelAllowList.ANY).orElseThrow().key();
    assertThat(key).startsWith("sk-rl-").hasSizeGreaterThan(40);
    assertThat(keys.find(key)).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("carol"));
    assertThat(keys.find(key + "x")).isEmpty();
    assertThat(keys.list())
        .singleElement()
        .satisfies(i -> assertThat(i.keyFingerprint()).isEqualTo(Fingerprint.of(key)));

    assertThat(keys.revoke("carol")).isTrue();
    assertThat(keys.find(key)).isEmpty();
    assertThat(keys.revoke("carol")).isFalse();
    assertThat(keys.isEmpty()).isTrue();
  }

  @Test
  void aNameIsTakenOnceAndKeysDiffer() {
    String first = keys.create("a", limits, ModelAllowList.ANY).orElseThrow().key();
    assertThat(keys.create("a", limits, ModelAllowList.ANY)).isEmpty();
    String second = keys.create("b", limits, ModelAllowList.ANY).orElseThrow().key();
    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void aChangeKeepsTheKeyAndTakesEffectAtOnce() {
    String key = keys.create("dave", limits, ModelAllowList.ANY).orElseThrow().key();
    Limits tighter = new Limits(1, 0, 0, 1);
    keys.change("dave", tighter, ModelAllowList.of(List.of("m*")));
    User dave = keys.find(key).orElseThrow();
    assertThat(dave.limits()).isEqualTo(tighter);
    assertThat(dave.models().allows("m1")).isTrue();
    assertThat(dave.models().allows("x")).isFalse();
    assertThat(keys.change("nobody", tighter, ModelAllowList.ANY)).isEmpty();
  }

  @Test
  void neitherRecordPrintsTheKey() {
    IssuedKeys.Created created = keys.create("erin", limits, ModelAllowList.ANY).orElseThrow();
    assertThat(created.toString()).doesNotContain(created.key()).contains("erin");
  }
}
