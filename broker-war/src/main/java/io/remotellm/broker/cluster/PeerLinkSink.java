package io.remotellm.broker.cluster;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The response sink of a request that came over a peer link: every call becomes a {@link
 * SinkEvents} line sent back on the link (a streamed answer one frame per call, one that is not
 * streamed in one frame at its end), and the usage goes back as the last line, in the {@code Z}
 * frame that closes the request on the forwarding broker. What this request has queued on the link
 * and not yet written is bounded like a client's stream ({@code max-buffered-bytes-per-stream}):
 * past it the forwarding broker is treated as gone for this request, which is cancelled, so a
 * stalled peer cannot make this broker hold an LLM's whole answer in memory. Called by one relay
 * thread at a time; {@link #lost} may come from the link's thread.
 */
final class PeerLinkSink extends SinkEventLines {
  private static final Logger LOG = Logger.getLogger(PeerLinkSink.class.getName());

  private final PeerLinkEndpoint link;
  private final long id;
  private final long maxBufferedBytes;
  private final StringBuilder held = new StringBuilder();
  private final AtomicLong unwritten = new AtomicLong();
  private final AtomicBoolean gone = new AtomicBoolean();
  private volatile Runnable onGone;

  PeerLinkSink(PeerLinkEndpoint link, long id, boolean streaming, long maxBufferedBytes) {
    super(streaming);
    this.link = link;
    this.id = id;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  @Override
  void line(String line) {
    held.append(line);
    // Not streamed: the head and body wait for the usage line and go in one frame, so the
    // forwarding broker wakes once; a large answer goes as it comes.
    if (streaming() || held.length() >= ForwardedSink.HOLD_BYTES) {
      flush(false);
    }
  }

  @Override
  void lastLine(String line) {
    held.append(line);
    flush(true);
  }

  @Override
  public void onClientGone(Runnable callback) {
    onGone = callback;
    if (gone.get()) {
      callback.run();
    }
  }

  private void flush(boolean last) {
    if (gone.get()) {
      held.setLength(0);
      return;
    }
    String frame = PeerLinkFrames.answer(id, last, held.toString());
    held.setLength(0);
    if (last) {
      gone.set(true);
      link.finished(id);
      link.send(frame, null);
      return;
    }
    // One frame of any size may wait alone; the bound is on a backlog behind it.
    long bytes = frame.length();
    if (overBound(unwritten, bytes, maxBufferedBytes)) {
      lost(true);
      return;
    }
    link.send(
        frame,
        error -> {
          unwritten.addAndGet(-bytes);
          if (error != null) {
            lost(false);
          }
        });
  }

  /**
   * Nobody will read the rest of this answer: the relay cancels the request. {@code tellPeer}: the
   * link still works, so the forwarding broker hears the request is over (and fails it, 502).
   */
  void lost(boolean tellPeer) {
    if (gone.compareAndSet(false, true)) {
      link.finished(id);
      if (tellPeer) {
        link.send(PeerLinkFrames.answer(id, true, ""), null);
      }
      Runnable callback = onGone;
      if (callback != null) {
        callback.run();
      }
    }
  }
}
