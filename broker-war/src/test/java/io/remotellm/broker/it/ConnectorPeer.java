package io.remotellm.broker.it;

import io.remotellm.protocol.Batch;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ProtocolException;
import io.remotellm.protocol.Request;
import io.remotellm.protocol.Welcome;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.client.auth.AuthenticationException;
import org.glassfish.tyrus.container.jdk.client.JdkClientContainer;
import org.glassfish.tyrus.core.HandshakeException;

/**
 * The far side of the relay socket, scripted by a test: a real WebSocket client speaking the relay
 * protocol through common's codec, not a mock of the broker.
 */
final class ConnectorPeer extends Endpoint implements AutoCloseable {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private final FrameCodec codec = new FrameCodec();
  private final BlockingQueue<Frame> inbox = new LinkedBlockingQueue<>();
  private final List<String> raw = new CopyOnWriteArrayList<>();
  private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
  private volatile Function<Request, List<Frame>> autoAnswer;
  private volatile Session session;
  private volatile boolean batchAnswers;
  private volatile boolean binary;
  private volatile Welcome welcome;

  static ConnectorPeer connect(URI ws, String token) throws Exception {
    return connect(ws, token, Map.of());
  }

  /** As {@link #connect(URI, String)}, with {@code headers} on the upgrade too. */
  static ConnectorPeer connect(URI ws, String token, Map<String, String> headers) throws Exception {
    ConnectorPeer peer = new ConnectorPeer();
    ClientEndpointConfig config =
        ClientEndpointConfig.Builder.create()
            .configurator(
                new ClientEndpointConfig.Configurator() {
                  @Override
                  public void beforeRequest(Map<String, List<String>> upgrade) {
                    if (token != null) {
                      upgrade.put("Authorization", List.of("Bearer " + token));
                    }
                    headers.forEach((name, value) -> upgrade.put(name, List.of(value)));
                  }
                })
            .build();
    ClientManager client = ClientManager.createClient(JdkClientContainer.class.getName());
    client.connectToServer(peer, config, ws);
    return peer;
  }

  /**
   * The HTTP status with which the broker refused the upgrade of a connector presenting {@code
   * token} (null: no header), or 101 when it let the socket open.
   */
  static int upgradeStatus(URI ws, String token) {
    return upgradeStatus(ws, token, Map.of());
  }

  /** As {@link #upgradeStatus(URI, String)}, with {@code headers} on the upgrade too. */
  static int upgradeStatus(URI ws, String token, Map<String, String> headers) {
    try (ConnectorPeer peer = connect(ws, token, headers)) {
      return 101;
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof AuthenticationException) {
          return 401; // Tyrus's client turns a 401 into this, without the status
        }
        if (t instanceof HandshakeException refused && refused.getHttpStatusCode() > 0) {
          return refused.getHttpStatusCode();
        }
      }
      throw new AssertionError("connect failed without an HTTP status", e);
    }
  }

  /** Connects and registers {@code models}; returns once the broker said welcome. */
  static ConnectorPeer attach(URI ws, String token, String... models) throws Exception {
    return attach(ws, token, 1, models);
  }

  /** As {@link #attach(URI, String, String...)}, saying {@code protocol} in hello. */
  static ConnectorPeer attach(URI ws, String token, int protocol, String... models)
      throws Exception {
    ConnectorPeer peer = connect(ws, token);
    peer.send(new Hello(protocol, "scripted-peer/" + protocol, List.of(models), 64));
    peer.welcome = peer.await(Welcome.class);
    return peer;
  }

  /** As {@link #attach(URI, String, String...)}, with {@code headers} on the upgrade too. */
  static ConnectorPeer attach(URI ws, String token, Map<String, String> headers, String... models)
      throws Exception {
    ConnectorPeer peer = connect(ws, token, headers);
    peer.send(new Hello(1, "scripted-peer/1", List.of(models), 64));
    peer.welcome = peer.await(Welcome.class);
    return peer;
  }

  /** Connects and registers {@code models} served through {@code apis} (protocol 2). */
  static ConnectorPeer attachWithApis(URI ws, String token, List<String> apis, String... models)
      throws Exception {
    ConnectorPeer peer = connect(ws, token);
    peer.send(new Hello(2, "scripted-peer/apis", List.of(models), 64, apis));
    peer.welcome = peer.await(Welcome.class);
    return peer;
  }

  /** The broker's welcome, once attached. */
  Welcome welcome() {
    return welcome;
  }

  @Override
  public void onOpen(Session session, EndpointConfig config) {
    this.session = session;
    session.addMessageHandler(String.class, this::onText);
  }

  private void onText(String text) {
    raw.add(text);
    Frame frame;
    try {
      frame = codec.decode(text);
    } catch (ProtocolException e) {
      throw new IllegalStateException("broker sent an invalid frame: " + e.getMessage(), e);
    }
    if (frame instanceof Batch batch) {
      batch.frames().forEach(this::onFrame);
    } else {
      onFrame(frame);
    }
  }

  private void onFrame(Frame frame) {
    Function<Request, List<Frame>> answer = autoAnswer;
    if (frame instanceof Request request && answer != null) {
      List<Frame> frames = answer.apply(request);
      if (batchAnswers) {
        send(new Batch(frames));
      } else {
        for (Frame f : frames) {
          send(f);
        }
      }
      return;
    }
    inbox.add(frame);
  }

  @Override
  public void onClose(Session session, CloseReason reason) {
    closed.complete(reason);
  }

  @Override
  public void onError(Session session, Throwable error) {
    closed.completeExceptionally(error);
  }

  /** Answers every request at once with the frames {@code answer} makes. */
  void autoAnswer(Function<Request, List<Frame>> answer) {
    this.autoAnswer = answer;
  }

  /** As {@link #autoAnswer}, each answer's frames in one {@code batch} message (protocol 2). */
  void autoAnswerBatched(Function<Request, List<Frame>> answer) {
    this.batchAnswers = true;
    this.autoAnswer = answer;
  }

  /** Sends every message from now on as a binary message of its UTF-8, as protocol 3 allows. */
  void binary(boolean on) {
    this.binary = on;
  }

  synchronized void send(Frame frame) {
    sendRaw(codec.encode(frame));
  }

  /** Sends text as it is, valid frame or not (as its UTF-8 in binary mode). */
  synchronized void sendRaw(String text) {
    if (binary) {
      sendBytes(text.getBytes(StandardCharsets.UTF_8));
      return;
    }
    try {
      session.getBasicRemote().sendText(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends bytes as one binary message, valid UTF-8 or not. */
  synchronized void sendBytes(byte[] bytes) {
    try {
      session.getBasicRemote().sendBinary(ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The next frame of this type; frames of other types before it are dropped. */
  <T extends Frame> T await(Class<T> type) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Frame f = inbox.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("no " + type.getSimpleName() + " frame within " + WAIT);
      }
      if (type.isInstance(f)) {
        return type.cast(f);
      }
    }
  }

  /** The next frame within {@code wait}, or null. */
  Frame poll(Duration wait) throws InterruptedException {
    return inbox.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Every text frame the broker sent this peer, as it came. */
  List<String> rawFrames() {
    return new ArrayList<>(raw);
  }

  CloseReason awaitClose() throws Exception {
    return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  boolean isOpen() {
    Session s = session;
    return s != null && s.isOpen();
  }

  /** Drops the connection, as a connector that crashes or loses its network would. */
  void drop() throws IOException {
    session.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "peer dropped"));
  }

  @Override
  public void close() {
    try {
      if (isOpen()) {
        session.close();
      }
    } catch (IOException e) {
      // Closing at the end of a test: the broker may already have closed it.
    }
    codec.close();
  }
}
