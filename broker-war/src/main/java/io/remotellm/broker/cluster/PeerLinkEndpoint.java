package io.remotellm.broker.cluster;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.relay.ConnectorSocket;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.relay.SessionConnectorSocket;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletionStage;
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

  @Inject Dispatcher dispatcher;
  @Inject BrokerSettings settings;

  private final Map<Long, PeerLinkSink> sinks = new ConcurrentHashMap<>();
  private volatile ConnectorSocket socket;
  private volatile boolean closed;

  /** The longest request a peer sends over the link (a longer one goes over HTTP). */
  static long maxRequestChars(BrokerSettings settings) {
    // The client's body plus the JSON around it, its escapes included, as /cluster/relay takes.
    return settings.maxBodyBytes() * 2 + 65536;
  }

  @OnOpen
  public void open(Session session) throws IOException {
    if (!Boolean.TRUE.equals(session.getUserProperties().get(PeerLinkConfigurator.ACCEPTED))) {
      session.close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "peer link refused"));
      return;
    }
    // A message over the bound closes the link and every request on it, so the bound is above
    // anything a peer sends: it sends a request only up to maxRequestChars, 3 bytes a char at most.
    session.setMaxTextMessageBufferSize(
        (int) Math.min(Integer.MAX_VALUE - 8, maxRequestChars(settings) * 3 + 65536));
    session.setMaxIdleTimeout(0);
    // Sent as to a connector: asynchronously, in order, through a bounded queue.
    this.socket = new SessionConnectorSocket(session);
    LOG.log(Level.INFO, "cluster: peer link {0} opened", session.getId());
  }

  @OnMessage
  public void text(String text, Session session) {
    if (socket == null || closed) {
      return;
    }
    PeerLinkFrames.Frame frame;
    try {
      frame = PeerLinkFrames.parse(text);
    } catch (IllegalArgumentException e) {
      refuse(session, e.getMessage());
      return;
    }
    switch (frame.kind()) {
      case PeerLinkFrames.REQUEST -> {
        if (sinks.containsKey(frame.id())) {
          // Its answers could not be told from the first one's: the peer is not speaking this
          // protocol.
          refuse(session, "a request id already in flight");
        } else {
          relay(frame.id(), frame.payload());
        }
      }
      case PeerLinkFrames.CANCEL -> {
        PeerLinkSink sink = sinks.remove(frame.id());
        if (sink != null) {
          sink.lost(false);
        }
      }
      default -> refuse(session, "an answer frame sent to the serving broker");
    }
  }

  /** Brokers send text only; without this Tyrus reports a binary message as an error. */
  @OnMessage
  public void binary(ByteBuffer data, Session session) {
    if (socket != null && !closed) {
      refuse(session, "a binary message");
    }
  }

  /**
   * A peer that sends what this protocol has no meaning for (another version, or not a broker) gets
   * the link closed (1002), so its requests fail there at once instead of waiting for an answer
   * that never comes; it dials again and forwards over HTTP meanwhile.
   */
  private void refuse(Session session, String why) {
    LOG.log(
        Level.WARNING, "cluster: closing peer link {0}: {1}", new Object[] {session.getId(), why});
    try {
      session.close(
          new CloseReason(CloseReason.CloseCodes.PROTOCOL_ERROR, "unreadable peer link frame"));
    } catch (IOException e) {
      // The socket is going anyway; OnClose/OnError cancel what it carried.
      LOG.log(Level.FINE, "cluster: closing peer link failed: {0}", e.toString());
    }
    dropped(why);
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
    SinkEventLines.relay(dispatcher, request, sink);
  }

  /** Queues a frame; {@code done} (may be null) hears null once written, else why not. */
  void send(String text, Consumer<Throwable> done) {
    ConnectorSocket s = socket;
    if (s == null || closed) {
      if (done != null) {
        done.accept(new IOException("peer link closed"));
      }
      return;
    }
    CompletionStage<Void> sent = s.send(text);
    if (done != null) {
      sent.whenComplete((ok, error) -> done.accept(error));
    }
  }

  void finished(long id) {
    sinks.remove(id);
  }

  @OnClose
  public void close(Session closed, CloseReason reason) {
    dropped(reason.getReasonPhrase());
  }

  @OnError
  public void error(Session failed, Throwable error) {
    if (socket != null && !closed && failed.isOpen()) {
      // The requests on it are cancelled below: the peer must hear that the link is gone too,
      // or it would go on sending requests nobody here reads.
      try {
        failed.close(
            new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "peer link failed"));
      } catch (IOException e) {
        LOG.log(Level.FINE, "cluster: closing peer link failed: {0}", e.toString());
      }
    }
    dropped(error.toString());
  }

  /** The forwarding broker is gone: nobody reads these answers any more; cancel them. */
  private void dropped(String why) {
    if (socket == null || closed) {
      return;
    }
    closed = true;
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
