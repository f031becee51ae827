package io.remotellm.connector.demo;

import io.remotellm.connector.llm.AnswerFrames;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The demo model's stream: one event per tick, each only after the last was written (the
 * connector's backpressure, as a real LLM stream gets it), then the end; stops when the request is
 * cancelled. The timer thread is never held between events.
 */
final class PacedEvents {
  private final AnswerFrames sink;
  private final List<String> events;
  private final JsonObject usage;
  private final ScheduledExecutorService timer;
  private final Duration pace;
  private int index;
  private volatile ScheduledFuture<?> pending;
  private volatile boolean stopped;

  private PacedEvents(
      AnswerFrames sink,
      List<String> events,
      JsonObject usage,
      ScheduledExecutorService timer,
      Duration pace) {
    this.sink = sink;
    this.events = events;
    this.usage = usage;
    this.timer = timer;
    this.pace = pace;
  }

  /** Sends {@code events} to {@code sink}, one per {@code pace}, then ends with {@code usage}. */
  static void send(
      AnswerFrames sink,
      List<String> events,
      JsonObject usage,
      ScheduledExecutorService timer,
      Duration pace) {
    PacedEvents paced = new PacedEvents(sink, List.copyOf(events), usage, timer, pace);
    sink.onCancel(paced::stop);
    paced.next(null);
  }

  private void next(Throwable sendError) {
    if (stopped || sendError != null) {
      return;
    }
    if (index == events.size()) {
      sink.end(usage);
      return;
    }
    String event = events.get(index++);
    pending =
        timer.schedule(() -> sink.data(event, this::next), pace.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void stop() {
    stopped = true;
    ScheduledFuture<?> p = pending;
    if (p != null) {
      p.cancel(false);
    }
  }
}
