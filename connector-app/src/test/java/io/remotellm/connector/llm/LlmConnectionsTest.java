package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The line in front of the LLM: a bound, first come first served, leaving, handing places on. */
class LlmConnectionsTest {

  private final List<String> started = new ArrayList<>();

  /** Runs handed-on starts at once, so the order they start in is the order they were handed on. */
  private final LlmConnections line = new LlmConnections(2, Runnable::run);

  private LlmConnections.Place enter(String name) {
    return line.enter(() -> started.add(name));
  }

  @Test
  void startsUpToTheBoundAndTheRestInOrderAsPlacesFreeUp() {
    enter("a");
    enter("b");
    enter("c");
    enter("d");
    enter("e");
    assertThat(started).containsExactly("a", "b");
    assertThat(line.active()).isEqualTo(2);
    assertThat(line.waiting()).isEqualTo(3);

    line.release();
    assertThat(started).containsExactly("a", "b", "c");
    line.release();
    line.release();
    assertThat(started).containsExactly("a", "b", "c", "d", "e");
    assertThat(line.active()).isEqualTo(2);
    assertThat(line.waiting()).isZero();

    line.release();
    line.release();
    assertThat(line.active()).isZero();
  }

  @Test
  void aNewcomerDoesNotOvertakeThoseWaiting() {
    enter("a");
    enter("b");
    enter("c");
    line.release(); // a's place goes to c, not to whoever comes next
    enter("d");
    assertThat(started).containsExactly("a", "b", "c");
    assertThat(line.waiting()).isEqualTo(1);
  }

  @Test
  void leavingTheLineFreesNothingAndIsSkipped() {
    enter("a");
    enter("b");
    LlmConnections.Place c = enter("c");
    enter("d");
    assertThat(c.leave()).as("c was waiting").isTrue();
    assertThat(c.leave()).as("leaving twice is harmless").isTrue();
    line.release();
    assertThat(started).containsExactly("a", "b", "d");
    assertThat(line.active()).isEqualTo(2);
  }

  @Test
  void aStartedCallCannotLeaveItMustRelease() {
    LlmConnections.Place a = enter("a");
    assertThat(a.leave()).isFalse();
    assertThat(line.active()).isEqualTo(1);
    line.release();
    assertThat(line.active()).isZero();
  }

  @Test
  void theBoundIsAtLeastOne() {
    assertThatThrownBy(() -> new LlmConnections(0, Runnable::run))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retryDelaysGrowWithJitterUpToTheCap() {
    for (int i = 0; i < 100; i++) {
      assertThat(LlmCall.retryDelay(1)).isBetween(25L, 50L);
      assertThat(LlmCall.retryDelay(3)).isBetween(100L, 200L);
      assertThat(LlmCall.retryDelay(30)).isBetween(500L, 1000L);
    }
  }
}
