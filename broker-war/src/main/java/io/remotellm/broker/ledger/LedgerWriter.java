package io.remotellm.broker.ledger;

import io.remotellm.broker.usage.UsageRecorded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes records off the request path and writes them in batches on one thread of its own. While the
 * database is away the batch in hand is retried with backoff and new records wait in a bounded
 * queue; a record that finds the queue full is dropped, counted and logged, and the requests never
 * notice any of it.
 */
public final class LedgerWriter {

  /** Where batches go; throws anything when they could not be written (the database is away). */
  @FunctionalInterface
  public interface Batches {
    void write(List<UsageRecorded> batch) throws Exception;

    /** Called when there was nothing to write for a while: housekeeping. */
    default void idle() throws Exception {}
  }

  private static final Logger LOG = Logger.getLogger(LedgerWriter.class.getName());
  private static final long DROP_LOG_EVERY = 10_000;

  private final Batches batches;
  private final BlockingQueue<UsageRecorded> queue;
  private final int batchSize;
  private final long firstRetryMillis;
  private final long maxRetryMillis;
  private final long lingerMillis;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final CountDownLatch done = new CountDownLatch(1);
  private final Semaphore wake = new Semaphore(0);
  private volatile int inHand;
  private volatile boolean stopping;
  private volatile long stopDeadline;
  private long droppedWhenOutageBegan;
  private boolean outage;

  public LedgerWriter(
      Batches batches, int capacity, int batchSize, Duration firstRetry, Duration maxRetry) {
    this(batches, capacity, batchSize, firstRetry, maxRetry, Duration.ZERO);
  }

  /**
   * @param linger how long a batch that is not full waits for more records after its first: a
   *     transaction per batch costs far more than a row, so under steady traffic a few larger
   *     commits cost less than one per request (rows are that much later in the database)
   */
  public LedgerWriter(
      Batches batches,
      int capacity,
      int batchSize,
      Duration firstRetry,
      Duration maxRetry,
      Duration linger) {
    this.lingerMillis = Math.max(0, linger.toMillis());
    this.batches = batches;
    this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
    this.batchSize = Math.max(1, batchSize);
    this.firstRetryMillis = Math.max(1, firstRetry.toMillis());
    this.maxRetryMillis = Math.max(firstRetryMillis, maxRetry.toMillis());
  }

  /** Queues a record; never blocks. False when the queue was full and the record was dropped. */
  public boolean offer(UsageRecorded usage) {
    if (queue.offer(usage)) {
      return true;
    }
    long n = dropped.incrementAndGet();
    if (n == 1 || n % DROP_LOG_EVERY == 0) {
      LOG.log(
          Level.WARNING,
          "Usage ledger queue full ({0} records waiting for the database): {1} record(s) dropped"
              + " so far",
          new Object[] {queue.size() + inHand, n});
    }
    return false;
  }

  /** Records waiting to be written, the batch being tried included. */
  public long queued() {
    return queue.size() + (long) inHand;
  }

  /** Records dropped since the start because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Records written since the start. */
  public long written() {
    return written.get();
  }

  /** The writer's loop: run it on a thread of its own; it returns after {@link #stop}. */
  public void run() {
    List<UsageRecorded> batch = new ArrayList<>();
    long retry = firstRetryMillis;
    try {
      while (!(stopping && queue.isEmpty() && batch.isEmpty())) {
        if (batch.isEmpty()) {
          UsageRecorded first = queue.poll(stopping ? 1 : 1000, TimeUnit.MILLISECONDS);
          if (first == null) {
            idle();
            continue;
          }
          batch.add(first);
          if (lingerMillis > 0 && !stopping && queue.size() < batchSize - 1) {
            // One wake-up per batch, not per record; stop() cuts the wait short.
            wake.tryAcquire(lingerMillis, TimeUnit.MILLISECONDS);
          }
          queue.drainTo(batch, batchSize - 1);
          inHand = batch.size();
        }
        if (tryWrite(batch)) {
          batch.clear();
          inHand = 0;
          retry = firstRetryMillis;
        } else if (stopping && System.nanoTime() > stopDeadline) {
          break;
        } else {
          wake.tryAcquire(retry, TimeUnit.MILLISECONDS); // stop() cuts the wait short
          retry = Math.min(maxRetryMillis, retry * 2);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      long lost = batch.size() + queue.size();
      if (lost > 0) {
        LOG.log(
            Level.WARNING,
            "Usage ledger stopped with {0} record(s) not written: the database was away",
            lost);
      }
      done.countDown();
    }
  }

  private boolean tryWrite(List<UsageRecorded> batch) {
    try {
      batches.write(batch);
      written.addAndGet(batch.size());
      if (outage) {
        outage = false;
        LOG.log(
            Level.INFO,
            "Usage ledger: database back, writing again ({0} record(s) dropped meanwhile)",
            dropped.get() - droppedWhenOutageBegan);
      }
      return true;
    } catch (Exception | LinkageError e) {
      failed(e);
      return false;
    }
  }

  /** Housekeeping (at first: opening the database) while nothing waits to be written. */
  private void idle() {
    try {
      batches.idle();
    } catch (Exception | LinkageError e) {
      failed(e);
    }
  }

  /** Logged once per outage, not per retry; the message names no URL parameter or password. */
  private void failed(Throwable e) {
    if (!outage) {
      outage = true;
      droppedWhenOutageBegan = dropped.get();
      LOG.log(
          Level.WARNING,
          "Usage ledger: cannot write to the database ("
              + LedgerText.cut(String.valueOf(rootCause(e)), 512)
              + "); records wait, up to the queue bound, and are written when it is back",
          e);
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * Writes what is queued, trying for up to {@code grace} while the database is away, and ends the
   * loop; returns whether it ended in time.
   */
  public boolean stop(Duration grace) throws InterruptedException {
    stopDeadline = System.nanoTime() + grace.toNanos();
    stopping = true;
    wake.release();
    return done.await(grace.toMillis() + firstRetryMillis + 1000, TimeUnit.MILLISECONDS);
  }
}
