package io.remotellm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.bench.Results.Compare;
import io.remotellm.bench.Results.Figure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the harness works: the quick mode runs fake LLM, broker and connector as processes and
 * every figure comes out. It does not judge how fast: CI machines vary, the full run is for that.
 */
class BenchmarkQuickIT {

  @Test
  @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
  void quickRunProducesEveryFigure() throws Exception {
    Path root = RelayBenchmark.Options.repositoryRoot();
    Path out = root.resolve("bench/target/bench-it");
    long t0 = System.nanoTime();
    Results results =
        new RelayBenchmark(
                new RelayBenchmark.Options(true, root, out, false, false, false, null, null))
            .run();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    System.out.println("quick benchmark took " + took.toSeconds() + " s\n" + results.markdown());

    assertThat(results.figures)
        .extracting(Figure::key)
        .contains(
            "fake_alone_rps",
            "fake_alone_chunks",
            "nonstream_c1_p50",
            "nonstream_c1_p99",
            "nonstream_c16_rps",
            "nonstream_c64_rps",
            "stream_c1_ttfc_p50",
            "stream_c1_total_p50",
            "stream_c16_chunks",
            "paced_ttfc_p50",
            "paced_ttfc_p99",
            "max_streams",
            "connector_rss_idle",
            "connector_heap_idle",
            "broker_rss_idle",
            "broker_heap_idle",
            "connector_rss_load",
            "connector_heap_load",
            "broker_rss_load",
            "broker_heap_load",
            "broker_rss_per_stream",
            "broker_heap_per_stream",
            "connector_rss_per_stream",
            "connector_heap_per_stream",
            "cpu_broker_request",
            "cpu_floor_request",
            "cpu_connector_request",
            "cpu_fake_request",
            "cpu_broker_event",
            "cpu_floor_event",
            "cpu_connector_event",
            "cpu_fake_event");
    for (Figure f : results.figures) {
      if (f.compare() == Compare.NONE) {
        Double value = f.relay() != null ? f.relay() : f.direct();
        assertThat(value).as(f.key()).isNotNull().isPositive();
      } else {
        assertThat(f.direct()).as(f.key() + " direct").isNotNull().isPositive();
        assertThat(f.relay()).as(f.key() + " relay").isNotNull().isPositive();
      }
    }
    assertThat(out.resolve("results.json")).isNotEmptyFile();
    assertThat(out.resolve("results.csv")).isNotEmptyFile();
    assertThat(out.resolve("benchmarks.png")).isNotEmptyFile();
    assertThat(Files.readString(out.resolve("results.md"))).contains("| figure |");
  }
}
