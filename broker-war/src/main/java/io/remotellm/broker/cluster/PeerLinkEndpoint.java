package io.remotellm.broker.cluster;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.protocol.FrameQueue;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where another broker of the cluster keeps its peer link to this one (one endpoint instance per
 * link): each {@code R} frame is a forwarded request, relayed to a connector of this broker as
 * {@link ClusterRelayServlet} does for HTTP, with a {@link PeerLinkSink} that sends the answer back
 * on the link; a {@code C} frame cancels one; a link that closes cancels all it carried.
 */
@Dependent
@ServerEndpoint(value = PeerLinkEndpoint.PATH, configurator = PeerLinkConfigurator.class)
public class PeerLinkEndpoint {
  static final String PATH = "/cluster/link";
  private static final Logger LOG = Logger.getLogger(PeerLinkEndpoint.class.getName());

  /** The frames that may wait for the socket; past it the link is treated as stalled. */
  static final int MAX_QUEUED = 8192;

  /** A context class loader with nothing to scan (see SessionConnectorSocket). */
  private static final ClassLoader NOTHING_TO_FIND = ClassLoader.getPlatformClassLoader();

  @Inject Dispatcher dispatcher;
  @Inject BrokerSettings settings;

  private final Map<Long, PeerLinkSink> sinks = new ConcurrentHashMap<>();
  private volatile Session session;
  private volatile FrameQueue queue;

  @OnOpen
  public void open(Session session) throws IOException {
    if (!Boolean.TRUE.equals(session.getUserProperties().get(PeerLinkConfigurator.ACCEPTED))) {
      session.close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "peer link refused"));
      return;
    }
    // A request frame holds the client's body plus a little JSON around it.
    session.setMaxTextMessageBufferSize(
        (int) Math.min(Integer.MAX_VALUE - 8, settings.maxBodyBytes() * 2 + 65536));
    session.setMaxIdleTimeout(0);
    this.session = session;
    this.queue = new FrameQueue(this::sendText, MAX_QUEUED, 32 * 1024);
    LOG.log(Level.INFO, "cluster: peer link {0} opened", session.getId());
  }

  @OnMessage
  public void text(String text) {
    if (queue == null) {
      return;
    }
    PeerLinkFrames.Frame frame;
    try {
      frame = PeerLinkFrames.parse(text);
    } catch (IllegalArgumentException e) {
      LOG.log(Level.WARNING, "cluster: unreadable peer link frame: {0}", e.getMessage());
      return;
    }
    switch (frame.kind()) {
      case PeerLinkFrames.REQUEST -> relay(frame.id(), frame.payload());
      case PeerLinkFrames.CANCEL -> {
        PeerLinkSink sink = sinks.remove(frame.id());
        if (sink != null) {
          sink.lost(false);
        }
      }
      default -> LOG.log(Level.FINE, "cluster: unexpected peer link frame {0}", frame.kind());
    }
  }

  private void relay(long id, String body) {
    RelayRequest request;
    try {
      request = ClusterRelayServlet.request(SinkEvents.parse(body));
    } catch (RuntimeException e) {
      send(
          PeerLinkFrames.answer(
              id,
              true,
              SinkEvents.fail(
                  ApiError.invalidRequest("Unreadable forwarded request", null), false)),
          null);
      return;
    }
    PeerLinkSink sink =
        new PeerLinkSink(this, id, request.stream(), settings.maxBufferedBytesPerStream());
    sinks.put(id, sink);
    AccessLog access = new AccessLog(request.requestId(), "POST", System.nanoTime());
    access.handToRelay();
    try {
      dispatcher.startForwarded(request, sink, access);
    } catch (ApiException e) {
      sink.refuse(e.error());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cluster: a forwarded request failed before it was relayed", e);
      sink.refuse(ApiError.upstream("The broker serving this model failed"));
    }
  }

  /** Queues a frame; {@code done} (may be null) hears null once written, else why not. */
  void send(String text, Consumer<Throwable> done) {
    FrameQueue q = queue;
    if (q == null || !q.offer(text, done)) {
      if (done != null) {
        done.accept(new IOException("peer link closed or not keeping up"));
      }
    }
  }

  void finished(long id) {
    sinks.remove(id);
  }

  private void sendText(String text, Consumer<Throwable> done) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(NOTHING_TO_FIND);
    try {
      session
          .getAsyncRemote()
          .sendText(
              text,
              (SendResult result) -> done.accept(result.isOK() ? null : result.getException()));
    } catch (RuntimeException e) {
      done.accept(e);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  @OnClose
  public void close(Session closed, CloseReason reason) {
    dropped(reason.getReasonPhrase());
  }

  @OnError
  public void error(Session failed, Throwable error) {
    dropped(error.toString());
  }

  /** The forwarding broker is gone: nobody reads these answers any more; cancel them. */
  private void dropped(String why) {
    FrameQueue q = queue;
    if (q == null) {
      return;
    }
    q.close(new IOException("peer link closed"));
    if (!sinks.isEmpty()) {
      LOG.log(
          Level.INFO,
          "cluster: peer link closed ({0}); cancelling {1} forwarded requests",
          new Object[] {why, sinks.size()});
    }
    for (Long id : sinks.keySet()) {
      PeerLinkSink sink = sinks.remove(id);
      if (sink != null) {
        sink.lost(false);
      }
    }
  }
}
