package io.remotellm.broker.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds back the closing of an SSE stream until the request thread has left Jersey.
 *
 * <p>Why: after a streaming resource method returns, Jersey's request thread flushes the events
 * queued so far ({@code ChunkedOutput.setContext} then {@code flushQueue}). If another thread
 * closes the sink while that flush runs, Jersey's {@code close} sees the flush in progress, skips
 * it, and still closes the response under it: the flush fails with "Response is closed" and the
 * client gets the first events and then a cut stream (seen at load: 1 of 20 chunks; Jersey issue
 * 5439). A fast answer (the LLM done before the request thread got that far) always closes from our
 * writer thread, so the close waits here for {@link SseDispatchFilter} to say the request thread is
 * done. Events are not held back: Jersey's queue takes those safely from any thread.
 *
 * <p>A close held back this way runs on the given executor, never on the request thread itself:
 * RESTEasy (WildFly) closes by waiting for an asynchronous flush that Undertow completes only after
 * the request's dispatch has returned, and the filter that opens the gate is still inside that
 * dispatch. Run there, the close waited forever, parking the request thread and leaving the client
 * with a stream that never ended (seen once in about 800 fast streams of the benchmark on WildFly
 * 39; the thread dump showed {@code SseEventOutputImpl.close} under {@code SseDispatchFilter}).
 */
final class SseCloseGate {

  /** The request attribute under which {@link SseDispatchFilter} leaves the gate. */
  static final String ATTRIBUTE = SseCloseGate.class.getName();

  private static final int DISPATCHING = 0;
  private static final int CLOSE_WAITING = 1;
  private static final int DISPATCHED = 2;

  private final AtomicInteger state;
  private volatile Runnable pendingClose;
  private volatile Executor pendingExecutor;

  private SseCloseGate(int state) {
    this.state = new AtomicInteger(state);
  }

  /** A gate for a request still in its container dispatch. */
  static SseCloseGate dispatching() {
    return new SseCloseGate(DISPATCHING);
  }

  /** A gate that never waits: no filter will tell it the dispatch ended (tests, other paths). */
  static SseCloseGate open() {
    return new SseCloseGate(DISPATCHED);
  }

  /**
   * Runs {@code close} now, on the calling thread, or, if the request is still in its dispatch, on
   * {@code later} once the dispatch has ended.
   */
  void close(Runnable close, Executor later) {
    pendingClose = close; // both written before the CAS below publishes them
    pendingExecutor = later;
    if (!state.compareAndSet(DISPATCHING, CLOSE_WAITING)) {
      close.run();
    }
  }

  /** Called by the request thread once the container's dispatch of the request has returned. */
  void dispatchEnded() {
    if (state.getAndSet(DISPATCHED) == CLOSE_WAITING) {
      Runnable close = pendingClose;
      try {
        pendingExecutor.execute(close);
      } catch (RejectedExecutionException stopping) {
        // The writers are gone (the server is stopping); still not on this thread (see above).
        CompletableFuture.runAsync(close);
      }
    }
  }
}
