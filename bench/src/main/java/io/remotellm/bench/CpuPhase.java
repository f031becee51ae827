package io.remotellm.bench;

import io.remotellm.bench.LoadClient.StreamResult;
import io.remotellm.bench.Results.Compare;
import io.remotellm.bench.Results.Figure;
import java.net.URI;
import java.net.http.HttpRequest;

/**
 * The CPU-per-request figures of issue 17: broker and connector CPU per non-streamed request and
 * per SSE event through the relay, next to the server's floor (the same requests answered by a bare
 * JAX-RS resource in the same broker JVM, see {@code io.remotellm.bench.floor}) and the fake LLM's
 * own cost going direct. Relay, floor and direct batches alternate, twice, and each figure is the
 * total over both rounds, so a burst of load from other processes falls on all of them.
 */
final class CpuPhase {

  private static final double MS = 1e6;
  private static final double US = 1e3;
  private static final int CONCURRENCY = 4;

  private final LoadClient client;
  private final Results results;
  private final int requestsPerLoop;
  private final int streamsPerLoop;
  private final int chunks;

  CpuPhase(LoadClient client, Results results, boolean quick) {
    this.client = client;
    this.results = results;
    this.requestsPerLoop = quick ? 150 : 600;
    // Quick: 20,000 events per target, so even the fake LLM's few µs per event add up to
    // several clock ticks of CPU.
    this.streamsPerLoop = quick ? 25 : 60;
    this.chunks = 100;
  }

  /**
   * {@code request} builds a request to a URI: non-streamed when {@code stream} is false, else a
   * stream of {@link #chunks} events.
   */
  void run(
      URI relay,
      URI floorChat,
      URI floorStream,
      URI direct,
      long broker,
      long connector,
      long fake,
      RequestFactory request)
      throws Exception {
    long[] pids = {broker, connector, fake};
    long[][] plain = new long[3][3];
    long[] plainOps = new long[3];
    long[][] sse = new long[3][3];
    long[] sseEvents = new long[3];
    URI[] plainTargets = {relay, floorChat, direct};
    URI[] sseTargets = {relay, floorStream, direct};
    for (int round = 0; round < 2; round++) {
      for (int t = 0; t < 3; t++) {
        URI target = plainTargets[t];
        add(
            plain,
            plainOps,
            t,
            CpuCost.measure(
                CONCURRENCY,
                requestsPerLoop,
                () -> client.once(request.make(target, false, 5)),
                pids),
            1);
      }
      for (int t = 0; t < 3; t++) {
        URI target = sseTargets[t];
        add(
            sse,
            sseEvents,
            t,
            CpuCost.measure(CONCURRENCY, streamsPerLoop, () -> stream(request, target), pids),
            chunks);
      }
    }
    String how =
        String.format(
            "c=%d, %d requests, relay/floor/direct alternating", CONCURRENCY, plainOps[0]);
    String howSse =
        String.format("c=%d, %d streams of %d events", CONCURRENCY, sseEvents[0] / chunks, chunks);
    figure(
        "cpu_broker_request",
        "broker CPU per non-stream request",
        plain,
        plainOps,
        0,
        0,
        MS,
        "ms",
        "≤ 0.4 ms",
        how);
    figure(
        "cpu_floor_request",
        "floor: broker CPU per bare JAX-RS POST (same server)",
        plain,
        plainOps,
        1,
        0,
        MS,
        "ms",
        null,
        how);
    figure(
        "cpu_connector_request",
        "connector CPU per non-stream request",
        plain,
        plainOps,
        0,
        1,
        MS,
        "ms",
        "≤ 0.25 ms",
        how);
    figure(
        "cpu_fake_request",
        "fake LLM CPU per non-stream request, direct",
        plain,
        plainOps,
        2,
        2,
        MS,
        "ms",
        null,
        how);
    figure(
        "cpu_broker_event",
        "broker CPU per SSE event",
        sse,
        sseEvents,
        0,
        0,
        US,
        "µs",
        "≤ 15 µs",
        howSse);
    figure(
        "cpu_floor_event",
        "floor: broker CPU per SSE event of a bare SseEventSink stream",
        sse,
        sseEvents,
        1,
        0,
        US,
        "µs",
        null,
        howSse);
    figure(
        "cpu_connector_event",
        "connector CPU per SSE event",
        sse,
        sseEvents,
        0,
        1,
        US,
        "µs",
        "≤ 10 µs",
        howSse);
    figure(
        "cpu_fake_event",
        "fake LLM CPU per SSE event, direct",
        sse,
        sseEvents,
        2,
        2,
        US,
        "µs",
        null,
        howSse);
  }

  private Object stream(RequestFactory request, URI target) throws Exception {
    StreamResult r =
        client.stream(request.make(target, true, chunks), chunks, Long.MAX_VALUE, null, null).get();
    if (r.error() != null) {
      throw new IllegalStateException(target + ": " + r.error());
    }
    return r;
  }

  private static void add(long[][] cpu, long[] ops, int target, CpuCost.Batch b, int unitsPerOp) {
    for (int p = 0; p < cpu[target].length; p++) {
      cpu[target][p] += b.cpuNanos()[p];
    }
    ops[target] += b.operations() * unitsPerOp;
  }

  private void figure(
      String key,
      String name,
      long[][] cpu,
      long[] ops,
      int target,
      int process,
      double unitNanos,
      String unit,
      String targetText,
      String note) {
    double value = cpu[target][process] / (double) ops[target] / unitNanos;
    double limit =
        targetText == null ? 0 : Double.parseDouble(targetText.replaceAll("[^0-9.]", ""));
    results.add(
        new Figure(
            key,
            name,
            unit,
            null,
            value,
            Compare.NONE,
            targetText,
            targetText == null ? null : (d, r) -> r <= limit,
            note));
  }

  /** Builds the harness's request to {@code uri}: streamed or not, {@code chunks} tokens. */
  interface RequestFactory {
    HttpRequest make(URI uri, boolean stream, int chunks);
  }
}
