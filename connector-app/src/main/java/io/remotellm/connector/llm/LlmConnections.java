package io.remotellm.connector.llm;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * At most {@code max} calls to the LLM at once; the others wait their turn, first come first
 * served. A local LLM runs a handful of generations at a time and queues the rest itself; opening
 * hundreds of connections at once only overflows its listen backlog (5 for llama.cpp and Python's
 * http.server), and then requests fail that it would have answered a moment later.
 *
 * <p>Nothing blocks: a call that must wait is kept in the queue and started by the call that frees
 * its place, on {@code executor} (never on the releasing thread's stack, which may be deep).
 */
final class LlmConnections {

  private final int max;
  private final Executor executor;
  private final Deque<Place> waiting = new ArrayDeque<>(); // guarded by this
  private int active; // guarded by this

  LlmConnections(int max, Executor executor) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1, got " + max);
    }
    this.max = max;
    this.executor = executor;
  }

  /** A call's place: running, or waiting in line until {@link #release()} lets it start. */
  final class Place {
    private final Runnable start;
    private boolean started; // guarded by LlmConnections.this
    private boolean left; // guarded by LlmConnections.this

    private Place(Runnable start) {
      this.start = start;
    }

    /**
     * Leaves the line if still waiting (true: the call never ran and holds nothing). False once it
     * has started: the caller then stops its work and calls {@link #release()} as usual.
     */
    boolean leave() {
      synchronized (LlmConnections.this) {
        if (started || left) {
          return !started;
        }
        left = true;
        waiting.remove(this);
        return true;
      }
    }
  }

  /** Runs {@code start} now if there is room (on this thread), else when its turn comes. */
  Place enter(Runnable start) {
    Place place = new Place(start);
    synchronized (this) {
      if (active >= max || !waiting.isEmpty()) {
        waiting.add(place);
        return place;
      }
      active++;
      place.started = true;
    }
    start.run();
    return place;
  }

  /** The call that held a place is over; the first in line, if any, takes it. */
  void release() {
    Place next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        active--;
        return;
      }
      next.started = true;
    }
    try {
      executor.execute(next.start);
    } catch (RejectedExecutionException shuttingDown) {
      // The pool is gone only when the connector stops: the call then fails on its own.
      next.start.run();
    }
  }

  /** Calls to the LLM running now. */
  synchronized int active() {
    return active;
  }

  /** Calls waiting for a place. */
  synchronized int waiting() {
    return waiting.size();
  }
}
