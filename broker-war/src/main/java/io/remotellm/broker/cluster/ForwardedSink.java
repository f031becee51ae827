package io.remotellm.broker.cluster;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The response sink of a request another broker forwarded here: every call becomes a {@link
 * SinkEvents} line on the forwarding broker's HTTP call, and the usage goes back to it as the last
 * line. The relay calls the sink under its exchange's lock, so lines are queued and written in
 * order by a writer thread ({@code writers}); a forwarding broker that stops reading blocks that
 * thread, never the relay. A failed write means the forwarding broker (or its client) went away.
 * What waits unwritten is bounded like a client's stream ({@code max-buffered-bytes-per-stream}):
 * past it the forwarding broker is treated as gone and the request is cancelled, so a stalled peer
 * cannot make this broker hold an LLM's whole answer in memory. A request that is not streamed has
 * its lines written together at its end: one write and one wake-up of the forwarding broker instead
 * of one per line.
 */
final class ForwardedSink extends SinkEventLines {
  private static final Logger LOG = Logger.getLogger(ForwardedSink.class.getName());

  /** What an answer that is not streamed may hold back (under the smallest buffer bound). */
  static final long HOLD_BYTES = 32 * 1024;

  private final AsyncContext async;
  private final Executor writers;
  private final long maxBufferedBytes;
  private final Queue<String> lines = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean writing = new AtomicBoolean();
  private final AtomicBoolean gone = new AtomicBoolean();
  private final AtomicBoolean last = new AtomicBoolean();
  private volatile Runnable onGone;
  private volatile boolean completed;

  ForwardedSink(AsyncContext async, boolean streaming, Executor writers, long maxBufferedBytes) {
    super(streaming);
    this.async = async;
    this.writers = writers;
    this.maxBufferedBytes = maxBufferedBytes;
    async.addListener(
        new AsyncListener() {
          @Override
          public void onComplete(AsyncEvent event) {}

          @Override
          public void onTimeout(AsyncEvent event) {
            lost();
          }

          @Override
          public void onError(AsyncEvent event) {
            lost();
          }

          @Override
          public void onStartAsync(AsyncEvent event) {}
        });
  }

  @Override
  void line(String line) {
    write(line);
  }

  @Override
  void ended() {
    drainLater();
  }

  @Override
  void lastLine(String line) {
    write(line);
    finish();
  }

  @Override
  public void onClientGone(Runnable callback) {
    onGone = callback;
    if (gone.get()) {
      callback.run();
    }
  }

  private void finish() {
    last.set(true);
    drainLater();
  }

  private void write(String line) {
    if (gone.get()) {
      return;
    }
    // One line of any size may wait alone (the connector caps events); the bound is on a backlog
    // behind the line being written, as in the client-facing sinks.
    long bytes = line.length();
    if (overBound(queuedBytes, bytes, maxBufferedBytes)) {
      lost();
      return;
    }
    lines.add(line);
    // Not streamed: the head and body wait for the end (or failure), then go in one write, so
    // the forwarding broker wakes once, not once per line; a large answer goes as it comes.
    if (streaming() || queuedBytes.get() >= HOLD_BYTES) {
      drainLater();
    }
  }

  private void drainLater() {
    if (writing.compareAndSet(false, true)) {
      writers.execute(this::drain);
    }
  }

  /** Writes what is queued, one writer at a time, then completes the response after the last. */
  private void drain() {
    try {
      do {
        ServletOutputStream out = async.getResponse().getOutputStream();
        String line;
        boolean wrote = false;
        while ((line = lines.poll()) != null) {
          // Counted off as it is taken: the bound is on what waits behind the write in progress.
          queuedBytes.addAndGet(-line.length());
          out.write(line.getBytes(StandardCharsets.UTF_8));
          wrote = true;
        }
        if (wrote) {
          out.flush();
        }
        if (last.get() && lines.isEmpty() && !completed) {
          completed = true;
          async.complete();
        }
        writing.set(false);
      } while (!lines.isEmpty() && writing.compareAndSet(false, true));
    } catch (IOException | RuntimeException e) {
      writing.set(false);
      LOG.log(Level.FINE, "cluster: the forwarding broker went away: {0}", e.toString());
      lost();
    }
  }

  private void lost() {
    if (gone.compareAndSet(false, true)) {
      lines.clear();
      Runnable callback = onGone;
      if (callback != null) {
        callback.run();
      }
      if (!completed) {
        completed = true;
        try {
          async.complete();
        } catch (RuntimeException e) {
          // Already completed by the container after its error: nothing left to close.
          LOG.log(Level.FINE, "cluster: completing a lost forward", e);
        }
      }
    }
  }
}
