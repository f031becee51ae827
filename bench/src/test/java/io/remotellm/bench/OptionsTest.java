package io.remotellm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The command line of the benchmark: which server, which phases, and the clear errors. */
class OptionsTest {

  @Test
  void payaraMicroIsTheDefaultServer() {
    RelayBenchmark.Options o = RelayBenchmark.Options.parse(new String[] {"--quick"});
    assertThat(o.server()).isEqualTo("payara");
    assertThat(o.throughput()).isFalse();
  }

  @Test
  void serverAndThroughputAreRead() {
    RelayBenchmark.Options o =
        RelayBenchmark.Options.parse(
            new String[] {"--cpu-only", "--server", "liberty", "--throughput"});
    assertThat(o.server()).isEqualTo("liberty");
    assertThat(o.cpuOnly()).isTrue();
    assertThat(o.throughput()).isTrue();
    assertThat(o.out().toString()).endsWith("bench/target/bench-cpu");
  }

  @Test
  void anUnknownServerIsRefusedByName() {
    assertThatThrownBy(() -> RelayBenchmark.Options.parse(new String[] {"--server", "tomcat"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("payara, wildfly or liberty")
        .hasMessageContaining("tomcat");
  }

  @Test
  void latencyAddsToACpuOnlyRunAndNothingElse() {
    assertThat(RelayBenchmark.Options.parse(new String[] {"--cpu-only"}).latency()).isFalse();
    assertThat(RelayBenchmark.Options.parse(new String[] {"--cpu-only", "--latency"}).latency())
        .isTrue();
    assertThatThrownBy(() -> RelayBenchmark.Options.parse(new String[] {"--latency"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--cpu-only");
  }

  @Test
  void throughputOnlyAddsToACpuOnlyRun() {
    assertThatThrownBy(() -> RelayBenchmark.Options.parse(new String[] {"--throughput"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--cpu-only");
  }

  @Test
  void memoryIsARunOfItsOwn() {
    assertThat(RelayBenchmark.Options.parse(new String[] {"--memory"}).memory()).isTrue();
    assertThatThrownBy(() -> RelayBenchmark.Options.parse(new String[] {"--memory", "--cpu-only"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--memory");
  }

  @Test
  void theEightArgumentConstructorKeepsPayara() {
    RelayBenchmark.Options o =
        new RelayBenchmark.Options(
            true,
            java.nio.file.Path.of("."),
            java.nio.file.Path.of("x"),
            false,
            false,
            false,
            null,
            null);
    assertThat(o.server()).isEqualTo("payara");
  }
}
