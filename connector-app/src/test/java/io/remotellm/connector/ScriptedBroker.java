package io.remotellm.connector;

import io.remotellm.protocol.Batch;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameBytes;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ModelsChanged;
import io.remotellm.protocol.ProtocolException;
import io.remotellm.protocol.Welcome;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.glassfish.tyrus.spi.ServerContainer;
import org.glassfish.tyrus.spi.ServerContainerFactory;

/**
 * The broker's side of the relay, scripted for tests: a real Tyrus WebSocket server on a loopback
 * port that checks the bearer token at the upgrade (a wrong one is closed with 1008 before
 * welcome), answers {@code hello} with {@code welcome}, and collects the connector's frames per
 * request id for the test to await.
 */
final class ScriptedBroker implements AutoCloseable {
  private final FrameCodec codec = new FrameCodec();
  private final String token;
  private final int port;
  private final int heartbeatSeconds;
  private ServerContainer server;
  private final BlockingQueue<String> authorizations = new LinkedBlockingQueue<>();
  private final BlockingQueue<Hello> hellos = new LinkedBlockingQueue<>();
  private final BlockingQueue<ModelsChanged> modelFrames = new LinkedBlockingQueue<>();
  private final BlockingQueue<CloseReason> closes = new LinkedBlockingQueue<>();
  private final Map<String, BlockingQueue<Frame>> answers = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile Session session;
  volatile String lastAuthorization = "";

  /** The protocol version said in welcome; null says none, as a version 1 broker does. */
  volatile Integer protocol;

  /** The version the last welcome agreed on (1 before any). */
  private volatile int agreed = 1;

  /** Acts as a version 1 broker did: any hello of another version is closed with 1002. */
  volatile boolean version1Only;

  /** The protocol of every hello, in order, accepted or not. */
  final BlockingQueue<Integer> helloVersions = new LinkedBlockingQueue<>();

  /** Every message the connector sent, as text (a batch is one; a binary one as its UTF-8). */
  final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

  /** How many of {@link #messages} came as binary messages (protocol 3). */
  final AtomicInteger binaryMessages = new AtomicInteger();

  ScriptedBroker(String token, int heartbeatSeconds) throws IOException {
    this.token = token;
    this.heartbeatSeconds = heartbeatSeconds;
    try (ServerSocket probe = new ServerSocket(0)) {
      this.port = probe.getLocalPort();
    }
  }

  URI url() {
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  /** The URL the way an operator may write it: without /ws. */
  String urlWithoutPath() {
    return "ws://127.0.0.1:" + port;
  }

  ScriptedBroker start() throws Exception {
    ServerEndpointConfig config =
        ServerEndpointConfig.Builder.create(Link.class, "/ws")
            .configurator(new TokenRecorder())
            .build();
    // Tyrus creates endpoint and configurator itself; they find this broker through the config.
    config.getUserProperties().put(ScriptedBroker.class.getName(), this);
    server = ServerContainerFactory.createServerContainer(Map.of());
    server.addEndpoint(config);
    server.start("/", port);
    return this;
  }

  /** The broker goes away: every socket drops, the port closes. */
  void stop() {
    if (server != null) {
      server.stop();
      server = null;
    }
  }

  @Override
  public void close() {
    stop();
    codec.close();
  }

  int connections() {
    return connections.get();
  }

  String nextAuthorization(Duration timeout) throws InterruptedException {
    return authorizations.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  Hello awaitHello(Duration timeout) throws InterruptedException {
    return hellos.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  ModelsChanged awaitModels(Duration timeout) throws InterruptedException {
    return modelFrames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  CloseReason awaitClose(Duration timeout) throws InterruptedException {
    return closes.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  void send(Frame frame) throws IOException {
    sendText(codec.encode(frame));
  }

  /** Any text message, as one WebSocket message, on the link that is up now. */
  void sendText(String text) throws IOException {
    session.getBasicRemote().sendText(text);
  }

  /** The next answer frame for request {@code id}, or null after the timeout. */
  Frame next(String id, Duration timeout) throws InterruptedException {
    return queue(id).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** All answer frames for {@code id} up to and including its end or error. */
  List<Frame> awaitAnswer(String id, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Frame> frames = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      Frame frame = left > 0 ? queue(id).poll(left, TimeUnit.NANOSECONDS) : null;
      if (frame == null) {
        throw new AssertionError(
            "no end or error for " + id + " within " + timeout + "; got " + frames);
      }
      frames.add(frame);
      if (frame instanceof End || frame instanceof Failure) {
        return frames;
      }
    }
  }

  private BlockingQueue<Frame> queue(String id) {
    return answers.computeIfAbsent(id, k -> new LinkedBlockingQueue<>());
  }

  /** Records the Authorization header of each upgrade. */
  public static final class TokenRecorder extends ServerEndpointConfig.Configurator {
    @Override
    public void modifyHandshake(
        ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
      ScriptedBroker broker =
          (ScriptedBroker) sec.getUserProperties().get(ScriptedBroker.class.getName());
      List<String> values =
          request.getHeaders().entrySet().stream()
              .filter(e -> e.getKey().equalsIgnoreCase("authorization"))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
      String presented = values == null || values.isEmpty() ? "" : values.get(0);
      broker.lastAuthorization = presented;
      broker.authorizations.add(presented);
    }
  }

  /** One connector socket. */
  public static final class Link extends Endpoint {
    private volatile boolean authorized;
    private ScriptedBroker broker;

    @Override
    public void onOpen(Session s, EndpointConfig config) {
      broker = (ScriptedBroker) config.getUserProperties().get(ScriptedBroker.class.getName());
      broker.opened(this, s);
    }

    private void onText(String text) {
      broker.received(text);
    }

    private void onBinary(byte[] bytes) {
      broker.receivedBinary(bytes);
    }

    @Override
    public void onClose(Session s, CloseReason reason) {
      if (authorized) {
        broker.closes.add(reason);
      }
    }
  }

  private void opened(Link link, Session s) {
    connections.incrementAndGet();
    // Tests connect one socket at a time, so the upgrade just recorded is this socket's.
    link.authorized = ("Bearer " + token).equals(lastAuthorization);
    if (!link.authorized) {
      try {
        s.close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "invalid token"));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return;
    }
    session = s;
    s.addMessageHandler(String.class, (MessageHandler.Whole<String>) link::onText);
    s.addMessageHandler(byte[].class, (MessageHandler.Whole<byte[]>) link::onBinary);
  }

  private void receivedBinary(byte[] bytes) {
    if (agreed < Frame.BINARY_PROTOCOL) {
      throw new AssertionError(
          "the connector sent a binary message to a broker that did not offer protocol 3");
    }
    binaryMessages.incrementAndGet();
    try {
      received(FrameBytes.text(bytes));
    } catch (ProtocolException e) {
      throw new AssertionError("the connector sent invalid UTF-8: " + e.getMessage());
    }
  }

  private void received(String text) {
    messages.add(text);
    Frame frame;
    try {
      frame = codec.decode(text);
    } catch (ProtocolException e) {
      throw new AssertionError("the connector sent an invalid frame: " + e.getMessage());
    }
    if (frame instanceof Batch batch) {
      if (agreed < Frame.BATCH_PROTOCOL) {
        throw new AssertionError(
            "the connector sent a batch to a broker that did not offer protocol 2");
      }
      batch.frames().forEach(this::received);
    } else {
      received(frame);
    }
  }

  private void received(Frame frame) {
    if (frame instanceof Hello hello) {
      helloVersions.add(hello.protocol());
      if (version1Only && hello.protocol() != 1) {
        // What a version 1 broker does with any other version.
        try {
          session.close(
              new CloseReason(
                  CloseReason.CloseCodes.PROTOCOL_ERROR, "unsupported protocol version"));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        return;
      }
      try {
        // As the broker does: the lower of the two versions (none, as a version 1 broker says).
        Integer version = protocol == null ? null : Math.min(protocol, hello.protocol());
        agreed = version == null ? 1 : version;
        send(new Welcome("c-test-" + connections.get(), heartbeatSeconds, version));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      // After welcome went out: a test that saw the hello may send requests at once.
      hellos.add(hello);
    } else if (frame instanceof ModelsChanged models) {
      modelFrames.add(models);
    } else if (frame instanceof Frame.Answer answer) {
      queue(answer.id()).add(frame);
    }
  }
}
