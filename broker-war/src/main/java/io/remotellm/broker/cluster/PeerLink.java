package io.remotellm.broker.cluster;

import io.remotellm.protocol.FrameQueue;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This broker's end of a peer link to another broker ({@link PeerLinkEndpoint} there), dialled with
 * the JDK's WebSocket client: forwarded requests go out as {@code R} frames, one at a time through
 * a {@link FrameQueue} (the JDK allows one outstanding text send), and the answers' frames are
 * replayed on each request's {@link ForwardedCall}, as the lines of an HTTP forward are. A message
 * may arrive in parts (joined here, bounded by {@link #MAX_MESSAGE_CHARS}). When the link drops,
 * every request still on it fails (502, or an SSE error after the head) and the link is forgotten,
 * so the next forward dials again.
 */
final class PeerLink implements WebSocket.Listener {
  private static final Logger LOG = Logger.getLogger(PeerLink.class.getName());

  /** The largest message accepted, as the connector bounds the broker's (64 MiB). */
  static final int MAX_MESSAGE_CHARS = 64 * 1024 * 1024;

  private final String url;
  private final Consumer<PeerLink> onDrop;
  private final FrameQueue queue = new FrameQueue(this::sendText, 8192, 32 * 1024);
  private final Map<Long, ForwardedCall> calls = new ConcurrentHashMap<>();
  private final Map<Long, Long> deadlines = new ConcurrentHashMap<>();
  private final long timeoutNanos;
  private final LongSupplier clock;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean dropped = new AtomicBoolean();
  private final StringBuilder partial = new StringBuilder();
  private volatile WebSocket socket;

  /**
   * @param timeout how long a request may wait for its next frame: longer than the serving broker's
   *     own upstream timeout, whose relay times out first and says so
   */
  PeerLink(String url, Duration timeout, Consumer<PeerLink> onDrop) {
    this(url, timeout, onDrop, System::nanoTime);
  }

  /** {@code clock}: {@link System#nanoTime()}, or a test's. */
  PeerLink(String url, Duration timeout, Consumer<PeerLink> onDrop, LongSupplier clock) {
    this.url = url;
    this.timeoutNanos = timeout.toNanos();
    this.onDrop = onDrop;
    this.clock = clock;
  }

  String url() {
    return url;
  }

  boolean open() {
    return socket != null && !dropped.get();
  }

  /** Sends {@code body} (a forwarded request as ClusterForwarding encodes it) on its way. */
  void forward(String body, ForwardedCall call) {
    long id = ids.incrementAndGet();
    calls.put(id, call);
    deadlines.put(id, clock.getAsLong() + timeoutNanos);
    call.onLink(
        () -> {
          deadlines.remove(id);
          if (calls.remove(id) != null) {
            queue.offer(PeerLinkFrames.cancel(id), null);
          }
        });
    boolean queued =
        queue.offer(
            PeerLinkFrames.request(id, body),
            error -> {
              if (error != null) {
                failed(id, error);
              }
            });
    if (!queued) {
      failed(id, new IOException("peer link not keeping up"));
    }
    if (dropped.get()) {
      // Dropped while this one was being added: nobody else will fail it.
      failed(id, new IOException("peer link closed"));
    }
  }

  /**
   * Fails the requests that have heard nothing for longer than the timeout (a serving broker that
   * froze without closing the link); called about once a second while the link is open.
   */
  void expire(long nowNanos) {
    for (Map.Entry<Long, Long> e : deadlines.entrySet()) {
      if (nowNanos - e.getValue() > 0) {
        failed(e.getKey(), new HttpTimeoutException("no answer on the peer link in time"));
      }
    }
  }

  private void failed(long id, Throwable error) {
    deadlines.remove(id);
    ForwardedCall call = calls.remove(id);
    if (call != null) {
      call.onError(error);
    }
  }

  private void sendText(String text, Consumer<Throwable> done) {
    WebSocket ws = socket;
    if (ws == null) {
      done.accept(new IOException("peer link not open"));
      return;
    }
    ws.sendText(text, true).whenComplete((sent, error) -> done.accept(error));
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    socket = webSocket;
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    if (partial.length() + data.length() > MAX_MESSAGE_CHARS) {
      partial.setLength(0);
      webSocket.abort();
      drop(new IOException("a peer link message over " + MAX_MESSAGE_CHARS + " chars"));
      return null;
    }
    if (!last) {
      partial.append(data);
      webSocket.request(1);
      return null;
    }
    String text;
    if (partial.length() == 0) {
      text = data.toString();
    } else {
      text = partial.append(data).toString();
      partial.setLength(0);
    }
    PeerLinkFrames.Frame frame;
    try {
      frame = PeerLinkFrames.parse(text);
      if (frame.kind() != PeerLinkFrames.ANSWER && frame.kind() != PeerLinkFrames.LAST) {
        throw new IllegalArgumentException("a request frame sent to the forwarding broker");
      }
    } catch (IllegalArgumentException e) {
      // Not this protocol (another version at the far end): its requests here would wait for
      // answers that never come. Fail them now; the next forward dials again, HTTP meanwhile.
      webSocket.abort();
      drop(new IOException("unreadable answer on the peer link: " + e.getMessage()));
      return null;
    }
    try {
      answer(frame);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "cluster: unreadable answer on the peer link to {0}: {1}",
          new Object[] {url, e.toString()});
    }
    webSocket.request(1);
    return null;
  }

  private void answer(PeerLinkFrames.Frame frame) {
    boolean last = frame.kind() == PeerLinkFrames.LAST;
    if (last) {
      deadlines.remove(frame.id());
    } else {
      // The timeout is for silence, as the serving broker's own (no frame from its connector for
      // that long): a stream that keeps coming is never cut, however long it runs.
      deadlines.replace(frame.id(), clock.getAsLong() + timeoutNanos);
    }
    ForwardedCall call = last ? calls.remove(frame.id()) : calls.get(frame.id());
    if (call == null) {
      return; // cancelled here meanwhile
    }
    String lines = frame.payload();
    int from = 0;
    while (from < lines.length()) {
      int eol = lines.indexOf('\n', from);
      int to = eol < 0 ? lines.length() : eol;
      if (to > from) {
        call.onNext(lines.substring(from, to));
      }
      from = to + 1;
    }
    if (last) {
      call.onComplete();
    }
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    drop(new IOException("peer link closed by " + url + ": " + statusCode + " " + reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    drop(error);
  }

  /** Closes the link from this side (the application stops). */
  void close() {
    WebSocket ws = socket;
    if (ws != null) {
      ws.abort();
    }
    drop(new IOException("peer link closed"));
  }

  private void drop(Throwable why) {
    if (!dropped.compareAndSet(false, true)) {
      return;
    }
    queue.close(why);
    if (!calls.isEmpty()) {
      LOG.log(
          Level.WARNING,
          "cluster: peer link to {0} dropped with {1} forwarded requests in flight: {2}",
          new Object[] {url, calls.size(), why.toString()});
    }
    for (Long id : calls.keySet()) {
      failed(id, why);
    }
    onDrop.accept(this);
  }
}
