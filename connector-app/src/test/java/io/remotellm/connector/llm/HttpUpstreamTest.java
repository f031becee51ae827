package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.remotellm.connector.connection.FrameSender;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import io.remotellm.testsupport.Keytool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HttpUpstream} against a plain-socket LLM that can drop connections unanswered or hold
 * them: the bound on calls at once, the order of those waiting, leaving the line, and which
 * failures are retried (issue 10, finding 3).
 */
class HttpUpstreamTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String ANSWER = "{\"object\":\"chat.completion\"}";

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private org.eclipse.jetty.client.HttpClient http;

  /** Counts the retries HttpUpstream schedules. */
  private final AtomicInteger retries = new AtomicInteger();

  private final ScheduledExecutorService timer =
      new ScheduledThreadPoolExecutor(1) {
        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
          retries.incrementAndGet();
          return super.schedule(task, delay, unit);
        }
      };
  private final List<Frame> frames = new CopyOnWriteArrayList<>();
  private final FrameCodec codec = new FrameCodec();
  private final FrameSender sender = new FrameSender(recordingSession(), codec);
  private final Map<String, CountDownLatch> finished = new ConcurrentHashMap<>();
  private SocketLlm llm;

  @AfterEach
  void stop() throws Exception {
    if (llm != null) {
      llm.close();
    }
    if (http != null) {
      http.stop();
    }
    timer.shutdownNow();
    threads.shutdownNow();
  }

  @Test
  void aConnectionDroppedBeforeTheAnswerIsRetried() throws Exception {
    llm = new SocketLlm(2); // the first two connections are closed unread
    HttpUpstream upstream = upstream(llm.url(), 4);
    forward(upstream, "r1");
    awaitFinished("r1");
    assertThat(llm.connections.get()).isEqualTo(3);
    assertThat(retries.get()).isEqualTo(2);
    assertThat(framesOf("r1")).hasExactlyElementsOfTypes(Head.class, Data.class, End.class);
    assertThat(((Data) framesOf("r1").get(1)).data()).isEqualTo(ANSWER);
  }

  @Test
  void aConnectionDroppedEveryTimeIsA502AfterFiveAttempts() throws Exception {
    llm = new SocketLlm(Integer.MAX_VALUE);
    forward(upstream(llm.url(), 4), "r1");
    awaitFinished("r1");
    assertThat(llm.connections.get()).isEqualTo(LlmCall.MAX_ATTEMPTS);
    assertThat(framesOf("r1"))
        .singleElement()
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.status()).isEqualTo(502));
  }

  @Test
  void aRefusedConnectionWithNothingAnsweredIsA502WithoutRetries() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    forward(upstream(URI.create("http://127.0.0.1:" + closedPort), 4), "r1");
    awaitFinished("r1");
    assertThat(retries.get()).as("an LLM that answers nothing is down: no retry").isZero();
    assertThat(framesOf("r1"))
        .singleElement()
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.status()).isEqualTo(502));
  }

  @Test
  void atMostTheBoundReachTheLlmTheRestInOrderAndACancelledOneLeavesTheLine() throws Exception {
    llm = new SocketLlm(0);
    llm.hold = true;
    HttpUpstream upstream = upstream(llm.url(), 2);
    List<AnswerFrames> sinks = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      sinks.add(forward(upstream, "r" + i));
    }
    // r1 and r2 go out at once on two connections: the LLM may see either first.
    assertThat(List.of(llm.nextArrival(), llm.nextArrival())).containsExactlyInAnyOrder("r1", "r2");
    // r3 to r5 wait in the connector: the LLM sees no third connection.
    assertThat(llm.arrivals.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(llm.connections.get()).isEqualTo(2);

    sinks.get(2).cancel("test: the client went away"); // r3 leaves the line
    llm.answer("r1");
    awaitFinished("r1");
    assertThat(llm.nextArrival()).as("r3 left the line, so r4 is next").isEqualTo("r4");
    llm.answer("r2");
    assertThat(llm.nextArrival()).isEqualTo("r5");
    llm.answer("r4");
    llm.answer("r5");
    for (String id : List.of("r2", "r4", "r5")) {
      awaitFinished(id);
      assertThat(framesOf(id)).last().isInstanceOf(End.class);
    }
    assertThat(framesOf("r3")).isEmpty();
    assertThat(llm.connections.get()).isEqualTo(4);
  }

  @Test
  void theTimeoutBoundsTheStartOfTheAnswerNotAStreamThatRunsLonger() throws Exception {
    llm = new SocketLlm(0);
    llm.streamEvents = 6; // one event each 100 ms: the stream outlives the 300 ms timeout
    forward(upstream(llm.url(), 4, Duration.ofMillis(300)), "r1");
    awaitFinished("r1");
    List<Frame> frames = framesOf("r1");
    assertThat(frames).first().isInstanceOf(Head.class);
    assertThat(frames).last().isInstanceOf(End.class);
    assertThat(frames.stream().filter(Data.class::isInstance)).hasSize(6);
  }

  @Test
  void streamsOpenAtOnceReadIntoHeapBuffersAndThePoolKeepsWithinItsBound() throws Exception {
    llm = new SocketLlm(0);
    llm.streamEvents = 3;
    int streams = 150;
    HttpUpstream upstream = upstream(llm.url(), streams);
    for (int i = 0; i < streams; i++) {
      forward(upstream, "s" + i);
    }
    for (int i = 0; i < streams; i++) {
      awaitFinished("s" + i);
      assertThat(framesOf("s" + i).stream().filter(Data.class::isInstance)).hasSize(3);
    }
    // Jetty's default would be direct buffers, kept up to an eighth of the heap's maximum:
    // native memory that the heap's bound does not cover (docs/benchmarks.md, issue 17).
    var pool = (org.eclipse.jetty.io.ArrayByteBufferPool) http.getByteBufferPool();
    assertThat(pool.getDirectByteBufferCount()).isZero();
    assertThat(pool.getHeapByteBufferCount()).isPositive(); // the reads did go through the pool
    assertThat(pool.getHeapMemory()).isLessThanOrEqualTo(LlmForwardingClient.POOLED_BYTES);
  }

  @Test
  void headersAndABodyLargerThanTheReadBufferArriveWhole() throws Exception {
    String header = "h".repeat(3 * LlmForwardingClient.READ_BUFFER_BYTES / 2);
    String body = "{\"text\":\"" + "b".repeat(25 * LlmForwardingClient.READ_BUFFER_BYTES) + "\"}";
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", answering(body, Map.of("x-long", header)));
    server.start();
    try {
      forward(upstream(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), 4), "r1");
      awaitFinished("r1");
      List<Frame> frames = framesOf("r1");
      assertThat(frames).first().isInstanceOf(Head.class);
      assertThat(frames).last().isInstanceOf(End.class);
      // x-long is not passed on (the head carries the headers a client needs): what matters is
      // that a header longer than one read was parsed and the answer came after it.
      assertThat(((Head) frames.get(0)).status()).isEqualTo(200);
      StringBuilder relayed = new StringBuilder();
      frames.stream()
          .filter(Data.class::isInstance)
          .forEach(f -> relayed.append(((Data) f).data()));
      assertThat(relayed.toString()).isEqualTo(body);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anAnswerWithoutABodyStillEnds() throws Exception {
    llm = new SocketLlm(0);
    llm.emptyBody = true;
    forward(upstream(llm.url(), 4), "r1");
    awaitFinished("r1");
    assertThat(framesOf("r1")).hasExactlyElementsOfTypes(Head.class, End.class);
  }

  @Test
  void anLlmSilentPastTheTimeoutIsA504() throws Exception {
    llm = new SocketLlm(0);
    llm.hold = true;
    forward(upstream(llm.url(), 4, Duration.ofMillis(300)), "r1");
    awaitFinished("r1");
    assertThat(framesOf("r1"))
        .singleElement()
        .isInstanceOfSatisfying(
            Failure.class,
            f -> {
              assertThat(f.status()).isEqualTo(504);
              assertThat(f.code()).isEqualTo("upstream_timeout");
            });
    assertThat(retries.get()).isZero();
  }

  @Test
  void theLlmGetsTheRequestsHeadersAndNoneTheClientAddsOfItsOwn() throws Exception {
    llm = new SocketLlm(0);
    HttpUpstream upstream = upstream(llm.url(), 4);
    CountDownLatch done = new CountDownLatch(1);
    finished.put("r1", done);
    upstream.forward(
        new Request(
            "r1",
            "POST",
            "/v1/chat/completions",
            Map.of(
                "x-request-id", "r1",
                "x-custom", "kept",
                "user-agent", "openai-python/1.0",
                "connection", "close",
                "x-split", "a\r\nx-injected: 1",
                "accept-encoding", "gzip"),
            "{}",
            false),
        new AnswerFrames("r1", "r1", sender, done::countDown));
    awaitFinished("r1");
    Map<String, String> seen = llm.headers.get("r1");
    assertThat(seen)
        .containsEntry("user-agent", "openai-python/1.0")
        .containsEntry("x-custom", "kept")
        .containsEntry("content-type", "application/json");
    assertThat(seen)
        .doesNotContainKeys("x-split", "x-injected", "accept-encoding", "cookie", "connection");
  }

  @Test
  void headerNamesAndValuesThatCouldSplitTheRequestAreRefused() {
    assertThat(HttpUpstream.validHeader("x-ok", "a value; with: colons")).isTrue();
    assertThat(HttpUpstream.validHeader("x bad", "v")).isFalse();
    assertThat(HttpUpstream.validHeader("x:bad", "v")).isFalse();
    assertThat(HttpUpstream.validHeader("", "v")).isFalse();
    assertThat(HttpUpstream.validHeader("x-ok", "a\nb")).isFalse();
    assertThat(HttpUpstream.validHeader("x-ok", "a\rb")).isFalse();
  }

  @Test
  void anHttpsLlmIsReachedWithTheTrustGivenAndItsNameChecked(@TempDir Path dir) throws Exception {
    Path keystore = selfSigned(dir);
    HttpsServer server = httpsLlm(keystore);
    try {
      int port = server.getAddress().getPort();
      SSLContext trust = trusting(keystore);
      forward(upstream(URI.create("https://127.0.0.1:" + port), 4, WAIT, trust), "r1");
      awaitFinished("r1");
      assertThat(framesOf("r1")).hasExactlyElementsOfTypes(Head.class, Data.class, End.class);
      assertThat(((Data) framesOf("r1").get(1)).data()).isEqualTo(ANSWER);

      // The same certificate reached by a name it does not carry (127.0.0.2 is this host too).
      http.stop();
      forward(upstream(URI.create("https://127.0.0.2:" + port), 4, WAIT, trust), "r2");
      awaitFinished("r2");
      assertThat(framesOf("r2"))
          .singleElement()
          .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.status()).isEqualTo(502));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anHttpsLlmTheJvmsCasDoNotVouchForIsUnreachable(@TempDir Path dir) throws Exception {
    HttpsServer server = httpsLlm(selfSigned(dir));
    try {
      URI url = URI.create("https://127.0.0.1:" + server.getAddress().getPort());
      forward(upstream(url, 4, WAIT, null), "r1");
      awaitFinished("r1");
      assertThat(framesOf("r1"))
          .singleElement()
          .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.status()).isEqualTo(502));
    } finally {
      server.stop(0);
    }
  }

  private static final char[] STORE_PASSWORD = "changeit".toCharArray();

  /** A PKCS12 keystore with a self-signed certificate for 127.0.0.1 and localhost only. */
  private static Path selfSigned(Path dir) throws Exception {
    Path keystore = dir.resolve("llm.p12");
    Keytool.selfSigned("llm", keystore, new String(STORE_PASSWORD));
    return keystore;
  }

  private static KeyStore load(Path keystore) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, STORE_PASSWORD);
    }
    return store;
  }

  private static SSLContext trusting(Path keystore) throws Exception {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(load(keystore));
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  /** An LLM on HTTPS, on every local address, answering every request with {@link #ANSWER}. */
  private static HttpsServer httpsLlm(Path keystore) throws Exception {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(load(keystore), STORE_PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    server.createContext("/", answering(ANSWER, Map.of()));
    server.start();
    return server;
  }

  /** Answers every request with {@code body} as JSON, and {@code headers} besides. */
  private static com.sun.net.httpserver.HttpHandler answering(
      String body, Map<String, String> headers) {
    return exchange -> {
      exchange.getRequestBody().readAllBytes();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "application/json");
      headers.forEach(exchange.getResponseHeaders()::set);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    };
  }

  private HttpUpstream upstream(URI url, int maxConnections) throws Exception {
    return upstream(url, maxConnections, WAIT);
  }

  private HttpUpstream upstream(URI url, int maxConnections, Duration timeout) throws Exception {
    return upstream(url, maxConnections, timeout, null);
  }

  private HttpUpstream upstream(URI url, int maxConnections, Duration timeout, SSLContext trust)
      throws Exception {
    http = LlmForwardingClient.start(url, Duration.ofSeconds(5), maxConnections, 4, trust);
    return new HttpUpstream(http, url, null, timeout, () -> {}, maxConnections, threads, timer);
  }

  private AnswerFrames forward(HttpUpstream upstream, String id) {
    CountDownLatch done = new CountDownLatch(1);
    finished.put(id, done);
    AnswerFrames sink = new AnswerFrames(id, id, sender, done::countDown);
    upstream.forward(
        new Request(id, "POST", "/v1/chat/completions", Map.of("x-request-id", id), "{}", false),
        sink);
    return sink;
  }

  private void awaitFinished(String id) throws InterruptedException {
    assertThat(finished.get(id).await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
        .as("request %s finished", id)
        .isTrue();
    // The last frames are written just after the sink finishes.
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (framesOf(id).stream().noneMatch(f -> f instanceof End || f instanceof Failure)
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }

  private List<Frame> framesOf(String id) {
    return frames.stream().filter(f -> id.equals(idOf(f))).toList();
  }

  private static String idOf(Frame f) {
    return f instanceof Frame.Answer answer ? answer.id() : null;
  }

  /** A relay socket that takes every message at once and keeps the frames. */
  private WebSocket recordingSession() {
    return (WebSocket)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {WebSocket.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "sendText" -> {
                    frames.add(codec.decode(args[0].toString()));
                    yield CompletableFuture.completedFuture(proxy);
                  }
                  case "isOutputClosed", "isInputClosed" -> false;
                  default -> null;
                });
  }

  /**
   * An LLM on a plain socket: closes its first {@code drops} connections without a byte, as a small
   * server with a full backlog may; answers the others with JSON, at once or, with {@code hold},
   * each when the test says so ({@link #answer}).
   */
  private static final class SocketLlm implements AutoCloseable {
    final AtomicInteger connections = new AtomicInteger();
    final BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
    final Map<String, Map<String, String>> headers = new ConcurrentHashMap<>();
    volatile int streamEvents;
    volatile boolean emptyBody;
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    volatile boolean hold;
    private final int drops;
    private final ServerSocket server;

    SocketLlm(int drops) throws IOException {
      this.drops = drops;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::acceptLoop, "socket-llm");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    String nextArrival() throws InterruptedException {
      String id = arrivals.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(id).as("a request reached the LLM").isNotNull();
      return id;
    }

    /** With {@code hold}: lets the LLM answer request {@code id}. */
    void answer(String id) {
      gate(id).countDown();
    }

    private CountDownLatch gate(String id) {
      return gates.computeIfAbsent(id, k -> new CountDownLatch(1));
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          int n = connections.incrementAndGet();
          Thread t = new Thread(() -> serve(socket, n <= drops), "socket-llm-" + n);
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void serve(Socket socket, boolean drop) {
      try (socket) {
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        String id = null;
        int length = 0;
        Map<String, String> seen = new ConcurrentHashMap<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
          String lower = line.toLowerCase();
          int colon = lower.indexOf(':');
          if (colon > 0) {
            // A header sent twice shows as both values, comma-joined.
            seen.merge(
                lower.substring(0, colon).strip(),
                line.substring(colon + 1).strip(),
                (a, b) -> a + ", " + b);
          }
          if (lower.startsWith("x-request-id:")) {
            id = line.substring(13).strip();
          } else if (lower.startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).strip());
          }
        }
        in.skip(length);
        if (drop) {
          return; // closed without a byte of an answer
        }
        headers.put(String.valueOf(id), seen);
        arrivals.add(String.valueOf(id));
        if (hold && !gate(String.valueOf(id)).await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
        OutputStream out = socket.getOutputStream();
        if (streamEvents > 0) {
          out.write(
              ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          for (int i = 0; i < streamEvents; i++) {
            Thread.sleep(100);
            out.write(("data: {\"n\":" + i + "}\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
          }
          return;
        }
        byte[] body = emptyBody ? new byte[0] : ANSWER.getBytes(StandardCharsets.UTF_8);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (IOException | InterruptedException e) {
        // The test is over, or the client went away: nothing to answer.
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
