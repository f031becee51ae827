package io.remotellm.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The frames waiting for one socket, sent one WebSocket message at a time and in the order they
 * were queued (the WebSocket API allows one outstanding async send per session, and a request's
 * frames must arrive in order). Callers only queue; whoever finds the socket idle sends, and each
 * send's completion starts the next, so no lock is held across a send and no caller waits for
 * another's. While a send is in progress frames pile up; once {@link #batching(boolean) batching}
 * is on (the peer speaks protocol 2) the next send packs all of them that fit into one {@code
 * batch} frame. A lone frame on an idle socket goes out at once, as itself: batching adds no delay.
 * Shared by broker and connector, which both send this way.
 */
public final class FrameQueue {

  /** The socket's asynchronous text send; {@code done} hears null once written, else why not. */
  @FunctionalInterface
  public interface TextSender {
    void sendText(String text, Consumer<Throwable> done);
  }

  private static final String BATCH_OPEN = "{\"type\":\"batch\",\"frames\":[";
  private static final String BATCH_CLOSE = "]}";

  /** A frame (text) or an action to run in its turn (a ping, a close), and who to tell. */
  private record Item(String text, Runnable action, Consumer<Throwable> done) {}

  private final TextSender socket;
  private final int maxQueued;
  private final int maxBatchChars;
  private final Queue<Item> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean sending = new AtomicBoolean();
  private volatile boolean batching;
  private volatile Throwable closed;

  /**
   * @param maxQueued frames that may wait at once; beyond, {@link #offer} refuses
   * @param maxBatchChars the largest batch message, in chars; a longer frame goes alone
   */
  public FrameQueue(TextSender socket, int maxQueued, int maxBatchChars) {
    this.socket = socket;
    this.maxQueued = maxQueued;
    this.maxBatchChars = maxBatchChars;
  }

  /** Turns packing on once the peer has said it reads {@link Batch} frames. */
  public void batching(boolean on) {
    batching = on;
  }

  /**
   * Queues one encoded frame; {@code done} (may be null) hears null once it is written, or the
   * failure. Returns false, telling {@code done} nothing, when {@code maxQueued} frames already
   * wait; the caller decides what that means.
   */
  public boolean offer(String text, Consumer<Throwable> done) {
    if (!reserve(1)) {
      return false;
    }
    add(new Item(text, null, done));
    pump();
    return true;
  }

  /**
   * Queues frames as one group, so that an idle socket sends them in one message; {@code done} (may
   * be null) hears about the last. False, as for {@link #offer}, if they do not all fit.
   */
  public boolean offerAll(List<String> texts, Consumer<Throwable> done) {
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("no frames");
    }
    if (!reserve(texts.size())) {
      return false;
    }
    for (int i = 0; i < texts.size(); i++) {
      add(new Item(texts.get(i), null, i == texts.size() - 1 ? done : null));
    }
    pump();
    return true;
  }

  /** Runs {@code action} once every frame queued before it has been sent; {@code done} after. */
  public void then(Runnable action, Consumer<Throwable> done) {
    queued.incrementAndGet();
    add(new Item(null, action, done));
    pump();
  }

  /** Fails every frame still waiting with {@code reason}; later offers fail at once with it. */
  public void close(Throwable reason) {
    closed = reason;
    Item item;
    while ((item = queue.poll()) != null) {
      queued.decrementAndGet();
      complete(item, reason);
    }
  }

  public int size() {
    return queued.get();
  }

  private boolean reserve(int n) {
    if (queued.addAndGet(n) > maxQueued) {
      queued.addAndGet(-n);
      return false;
    }
    return true;
  }

  private void add(Item item) {
    Throwable reason = closed;
    if (reason != null) {
      queued.decrementAndGet();
      complete(item, reason);
      return;
    }
    queue.add(item);
    if (closed != null) {
      close(closed); // closed meanwhile: do not leave the item behind
    }
  }

  private static final int IN_CALL = 0;
  private static final int DONE_IN_CALL = 1;
  private static final int RETURNED = 2;

  /**
   * Sends until the queue is empty or a send is in progress. A send that completes inside {@code
   * sendText} is looped over rather than recursed into, so a long queue cannot overflow the stack;
   * one that completes later carries on from its completion handler.
   */
  private void pump() {
    while (sending.compareAndSet(false, true)) {
      while (true) {
        Item first = queue.poll();
        if (first == null) {
          break;
        }
        queued.decrementAndGet();
        Throwable reason = closed;
        if (reason != null) {
          complete(first, reason);
          continue;
        }
        if (first.action() != null) {
          Throwable failed = null;
          try {
            first.action().run();
          } catch (RuntimeException e) {
            failed = e;
          }
          complete(first, failed);
          continue;
        }
        List<Item> group = batching ? takeFollowers(first) : List.of(first);
        String text = group.size() == 1 ? first.text() : pack(group);
        AtomicInteger phase = new AtomicInteger(IN_CALL);
        try {
          socket.sendText(
              text,
              error -> {
                for (Item item : group) {
                  complete(item, error);
                }
                if (!phase.compareAndSet(IN_CALL, DONE_IN_CALL)) {
                  sending.set(false);
                  pump();
                }
              });
        } catch (RuntimeException e) {
          phase.set(DONE_IN_CALL);
          for (Item item : group) {
            complete(item, e);
          }
        }
        if (phase.compareAndSet(IN_CALL, RETURNED)) {
          return; // the completion handler carries on
        }
      }
      sending.set(false);
      if (queue.isEmpty()) {
        return;
      }
    }
  }

  /**
   * {@code first} and the frames queued behind it that fit in one batch (only this thread polls).
   */
  private List<Item> takeFollowers(Item first) {
    int chars = BATCH_OPEN.length() + BATCH_CLOSE.length() + first.text().length();
    List<Item> group = null;
    Item next;
    while ((next = queue.peek()) != null
        && next.text() != null
        && chars + 1 + next.text().length() <= maxBatchChars) {
      Item polled = queue.poll();
      if (polled != next) {
        // close() emptied the queue meanwhile; it has already failed everything but this one.
        if (polled != null) {
          queued.decrementAndGet();
          complete(polled, closed);
        }
        break;
      }
      queued.decrementAndGet();
      chars += 1 + next.text().length();
      if (group == null) {
        group = new ArrayList<>();
        group.add(first);
      }
      group.add(next);
    }
    return group == null ? List.of(first) : group;
  }

  private static String pack(List<Item> group) {
    int length = BATCH_OPEN.length() + BATCH_CLOSE.length() + group.size();
    for (Item item : group) {
      length += item.text().length();
    }
    StringBuilder out = new StringBuilder(length).append(BATCH_OPEN);
    for (int i = 0; i < group.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(group.get(i).text());
    }
    return out.append(BATCH_CLOSE).toString();
  }

  private static void complete(Item item, Throwable error) {
    if (item.done() != null) {
      item.done().accept(error);
    }
  }
}
