package io.remotellm.payaramicro;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The broker JVM's memory defaults, and the probe that keeps unknown options off its command. */
class JvmMemoryOptionsTest {

  @Test
  void boundsTheHeapAndLetsItIdleBack() {
    assertThat(JvmMemoryOptions.before(List.of("-Dx=1"), true))
        .containsExactly(
            "-Xmx384m",
            "-XX:G1PeriodicGCInterval=10000",
            "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=30",
            "-XX:TrimNativeHeapInterval=5000");
  }

  @Test
  void aHeapSizeInJavaOptsKeepsTheIdlingBackButNotTheBound() {
    for (String sizing : List.of("-Xmx2g", "-XX:MaxHeapSize=1g", "-XX:MaxRAMPercentage=60")) {
      assertThat(JvmMemoryOptions.before(List.of(sizing), true))
          .doesNotContain("-Xmx384m")
          .contains("-XX:G1PeriodicGCInterval=10000", "-XX:MaxHeapFreeRatio=30");
    }
  }

  @Test
  void anotherCollectorInJavaOptsKeepsItsOwnSizing() {
    assertThat(JvmMemoryOptions.before(List.of("-XX:+UseSerialGC"), true))
        .containsExactly("-Xmx384m", "-XX:TrimNativeHeapInterval=5000");
    assertThat(JvmMemoryOptions.before(List.of("-XX:+UseG1GC"), true))
        .contains("-XX:MaxHeapFreeRatio=30");
  }

  @Test
  void leavesOutTheNativeTrimWhereTheJvmCannotTrim() {
    assertThat(JvmMemoryOptions.before(List.of(), false))
        .noneMatch(option -> option.startsWith("-XX:TrimNativeHeapInterval"));
  }

  @Test
  void asksThisJvmForAnOptionByName() {
    assertThat(JvmMemoryOptions.thisJvmKnows("MaxHeapFreeRatio")).isTrue();
    assertThat(JvmMemoryOptions.thisJvmKnows("NoSuchOptionForTheBrokerLauncher")).isFalse();
  }
}
