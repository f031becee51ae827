package io.remotellm.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A scriptable, OpenAI-compatible fake LLM on the JDK {@link HttpServer}, for unit, system and
 * benchmark runs.
 *
 * <p>It serves {@code GET /v1/models}, Ollama's native API ({@link FakeOllama}), and {@code POST
 * /v1/chat/completions} streaming (SSE {@code chat.completion.chunk}s, a usage chunk when {@code
 * stream_options.include_usage}, then {@code data: [DONE]}) or not; also {@code POST
 * /v1/completions} (the script's tokens as {@code text_completion}, streamed or not) and {@code
 * POST /v1/embeddings} (a small vector per input). Other API families' wire shapes live in their
 * own classes, asked first ({@link FakeApi}): the Responses API ({@link FakeResponsesApi}) and
 * Anthropic's Messages ({@link FakeAnthropicApi}). What it answers follows the instance's {@link
 * Script}; a request may override it with a {@code "fake_llm"} object in its body (fields as in
 * {@link #script(JsonObject)}), and a separate process is scripted through {@code POST
 * /_fake/script}, read through {@code GET /_fake/stats}, and reset through {@code POST
 * /_fake/reset}.
 *
 * <p>Paced streams are written from a small scheduler, never by a sleeping thread, so thousands of
 * concurrent streams cost no thread each. The n-th content chunk of a stream says {@code "tok<n>
 * "}, so a client can check that nothing was lost, duplicated or reordered.
 */
public final class FakeLlm implements AutoCloseable {

  /** What the fake answers; immutable, replace it with {@link #script(Script)}. */
  public record Script(
      int chunks,
      Duration chunkDelay,
      Duration firstByteDelay,
      int status,
      String errorBody,
      boolean hang,
      List<String> models,
      boolean openAiModels,
      boolean ollamaTags) {

    public Script {
      if (chunks < 0) {
        throw new IllegalArgumentException("chunks must be >= 0");
      }
      chunkDelay = chunkDelay == null ? Duration.ZERO : chunkDelay;
      firstByteDelay = firstByteDelay == null ? Duration.ZERO : firstByteDelay;
      models = models == null ? List.of() : List.copyOf(models);
    }

    /** Five chunks, no delays, status 200, one model "fake-model", both model endpoints on. */
    public static Script defaults() {
      return new Script(
          5, Duration.ZERO, Duration.ZERO, 200, null, false, List.of("fake-model"), true, true);
    }

    public Script withChunks(int n) {
      return new Script(
          n, chunkDelay, firstByteDelay, status, errorBody, hang, models, openAiModels, ollamaTags);
    }

    public Script withChunkDelay(Duration d) {
      return new Script(
          chunks, d, firstByteDelay, status, errorBody, hang, models, openAiModels, ollamaTags);
    }

    public Script withFirstByteDelay(Duration d) {
      return new Script(
          chunks, chunkDelay, d, status, errorBody, hang, models, openAiModels, ollamaTags);
    }

    /** Answer chat requests with this status and body (null body: an OpenAI-style error). */
    public Script withError(int s, String body) {
      return new Script(
          chunks, chunkDelay, firstByteDelay, s, body, hang, models, openAiModels, ollamaTags);
    }

    /** Never answer chat requests (until the fake is closed). */
    public Script withHang(boolean h) {
      return new Script(
          chunks,
          chunkDelay,
          firstByteDelay,
          status,
          errorBody,
          h,
          models,
          openAiModels,
          ollamaTags);
    }

    public Script withModels(List<String> m) {
      return new Script(
          chunks, chunkDelay, firstByteDelay, status, errorBody, hang, m, openAiModels, ollamaTags);
    }

    /** Which discovery endpoints exist; a switched-off one answers 404. */
    public Script withModelEndpoints(boolean openAi, boolean ollama) {
      return new Script(
          chunks, chunkDelay, firstByteDelay, status, errorBody, hang, models, openAi, ollama);
    }
  }

  /** One request as the fake received it; header names lower-case, first value only. */
  /** One request the fake saw; {@code query} is the raw query string, null when there was none. */
  public record RecordedRequest(
      String method, String path, Map<String, String> headers, String body, String query) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  static final String MAX_IDLE_PROPERTY = "sun.net.httpserver.maxIdleConnections";

  /** More idle connections than any test or benchmark opens (the ramp reaches 2,000 streams). */
  static final int MAX_IDLE_CONNECTIONS = 20_000;

  /** How many recorded requests are kept; a benchmark sends millions, the counters still count. */
  private static final int MAX_RECORDED = 10_000;

  private final HttpServer server;
  private final ExecutorService handlers;
  private final ScheduledExecutorService pacer;
  private volatile Script script = Script.defaults();
  private final Deque<RecordedRequest> recorded = new ArrayDeque<>();
  private final AtomicInteger requestCount = new AtomicInteger();
  private final AtomicInteger chatCount = new AtomicInteger();
  private final AtomicInteger completedCount = new AtomicInteger();
  private final AtomicInteger abortedCount = new AtomicInteger();
  private final AtomicLong completionIds = new AtomicLong();
  private final Set<HttpExchange> hanging = ConcurrentHashMap.newKeySet();
  private final Object signal = new Object();

  private final FakeOllama ollama = new FakeOllama(this);

  /**
   * The API families served by their own classes (wire shapes of one family each), asked before the
   * OpenAI routes below; add a family by listing its {@link FakeApi} here.
   */
  private final List<FakeApi> apis =
      List.of(new FakeResponsesApi(this), new FakeAnthropicApi(this), ollama);

  private FakeLlm(InetSocketAddress address) throws IOException {
    // The JDK server leaves Nagle on by default, which holds small SSE writes back for delayed
    // ACKs (tens of ms) and would make the fake, not the relay, the slow part of a benchmark. The
    // server reads this once per JVM, so it only takes effect if set before its first use.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    // The JDK server keeps at most 200 idle keep-alive connections (sun.net.httpserver.
    // maxIdleConnections) and closes any connection that finishes an answer beyond that at once,
    // without a "Connection: close": its client has already put it back in its pool and its next
    // request fails with "header parser received no bytes" (issue 17: the benchmark's direct
    // baseline, after the relay's connector had left hundreds of connections idle here). Real LLM
    // servers keep a connection until their idle timeout, as this one then does (30 s).
    if (System.getProperty(MAX_IDLE_PROPERTY) == null) {
      System.setProperty(MAX_IDLE_PROPERTY, Integer.toString(MAX_IDLE_CONNECTIONS));
    }
    server = HttpServer.create(address, 1024);
    handlers = Executors.newFixedThreadPool(8, daemonThreads("fake-llm-http"));
    pacer = Executors.newScheduledThreadPool(2, daemonThreads("fake-llm-pacer"));
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts on a free loopback port. */
  public static FakeLlm start() throws IOException {
    return start("127.0.0.1", 0);
  }

  public static FakeLlm start(String host, int port) throws IOException {
    return new FakeLlm(new InetSocketAddress(host, port));
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port());
  }

  public Script script() {
    return script;
  }

  public void script(Script newScript) {
    script = newScript;
  }

  /**
   * Applies JSON fields over the current script: {@code chunks}, {@code chunk_delay_ms}, {@code
   * first_byte_delay_ms}, {@code status}, {@code error_body}, {@code hang}, {@code models} [..],
   * {@code openai_models}, {@code ollama_tags}; and {@code ollama_version} ({@link
   * #ollamaVersion}).
   */
  public void script(JsonObject fields) {
    script = overlay(script, fields);
    if (fields.containsKey("ollama_version")) {
      // Not part of the Script: it says what the server is, not how it answers.
      ollama.version(
          fields.get("ollama_version") instanceof jakarta.json.JsonString v ? v.getString() : null);
    }
  }

  /**
   * Makes the fake say it is an Ollama of {@code version} on {@code GET /api/version}, as a
   * connector asks to learn which APIs its LLM speaks; null (the default) answers 404 there, as a
   * server that is no Ollama. The rest of {@code /api} is served either way.
   */
  public void ollamaVersion(String version) {
    ollama.version(version);
  }

  /** {@link #ollamaVersion} with a version that has every API family the fake speaks. */
  public void actAsOllama() {
    ollama.version(FakeOllama.VERSION);
  }

  /** Forgets recorded requests and zeroes the counters; the script stays. */
  public void reset() {
    synchronized (recorded) {
      recorded.clear();
    }
    requestCount.set(0);
    chatCount.set(0);
    completedCount.set(0);
    abortedCount.set(0);
  }

  /** The recorded requests (up to the last 10,000), oldest first. */
  public List<RecordedRequest> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  /** Recorded requests to {@code /v1/chat/completions}, oldest first. */
  public List<RecordedRequest> chatRequests() {
    return requests().stream().filter(r -> r.path().startsWith("/v1/chat/completions")).toList();
  }

  public int requestCount() {
    return requestCount.get();
  }

  /** Chat requests received (streaming or not, whatever was answered). */
  public int chatCount() {
    return chatCount.get();
  }

  /** Chat answers written to the end. */
  public int completedCount() {
    return completedCount.get();
  }

  /** Chat answers whose client went away before the end (a write failed). */
  public int abortedCount() {
    return abortedCount.get();
  }

  public boolean awaitChatRequests(int n, Duration timeout) throws InterruptedException {
    return await(chatCount::get, n, timeout);
  }

  public boolean awaitCompleted(int n, Duration timeout) throws InterruptedException {
    return await(completedCount::get, n, timeout);
  }

  public boolean awaitAborted(int n, Duration timeout) throws InterruptedException {
    return await(abortedCount::get, n, timeout);
  }

  private boolean await(IntSupplier counter, int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (signal) {
      while (counter.getAsInt() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(signal, left);
      }
      return true;
    }
  }

  void countChat() {
    count(chatCount);
  }

  void countCompleted() {
    count(completedCount);
  }

  private void count(AtomicInteger counter) {
    counter.incrementAndGet();
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    for (HttpExchange exchange : hanging) {
      exchange.close();
    }
    pacer.shutdownNow();
    handlers.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String path = exchange.getRequestURI().getRawPath();
    String method = exchange.getRequestMethod();
    if (!path.startsWith("/_fake/")) {
      record(exchange, method, path, body);
    }
    try {
      for (FakeApi api : apis) {
        if (api.handle(exchange, method, path, body)) {
          return;
        }
      }
      switch (path) {
        case "/v1/models" -> models(exchange);
        case "/v1/chat/completions" -> chat(exchange, body);
        case "/v1/completions" -> textCompletion(exchange, body);
        case "/v1/embeddings" -> embeddings(exchange, body);
        case "/_fake/script" -> {
          script(parse(body));
          respond(exchange, 200, "application/json", "{\"ok\":true}");
        }
        case "/_fake/reset" -> {
          reset();
          respond(exchange, 200, "application/json", "{\"ok\":true}");
        }
        case "/_fake/stats" -> respond(exchange, 200, "application/json", stats());
        default -> respond(exchange, 404, "application/json", error("no such path", "not_found"));
      }
    } catch (JsonException | IllegalArgumentException e) {
      respond(
          exchange,
          400,
          "application/json",
          error("bad request: " + e.getMessage(), "invalid_request_error"));
    }
  }

  private void record(HttpExchange exchange, String method, String path, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!values.isEmpty()) {
                headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
              }
            });
    RecordedRequest request =
        new RecordedRequest(
            method, path, Map.copyOf(headers), body, exchange.getRequestURI().getRawQuery());
    synchronized (recorded) {
      if (recorded.size() == MAX_RECORDED) {
        recorded.removeFirst();
      }
      recorded.addLast(request);
    }
    count(requestCount);
  }

  private String stats() {
    return "{\"requests\":"
        + requestCount.get()
        + ",\"chat\":"
        + chatCount.get()
        + ",\"completed\":"
        + completedCount.get()
        + ",\"aborted\":"
        + abortedCount.get()
        + "}";
  }

  private void models(HttpExchange exchange) throws IOException {
    Script s = script;
    if (!s.openAiModels()) {
      respond(exchange, 404, "application/json", error("no /v1/models here", "not_found"));
      return;
    }
    StringBuilder out = new StringBuilder("{\"object\":\"list\",\"data\":[");
    for (int i = 0; i < s.models().size(); i++) {
      out.append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(quote(s.models().get(i)))
          .append(",\"object\":\"model\",\"created\":0,\"owned_by\":\"fake-llm\"}");
    }
    respond(exchange, 200, "application/json", out.append("]}").toString());
  }

  private void chat(HttpExchange exchange, String body) throws IOException {
    count(chatCount);
    JsonObject request = body.isBlank() ? JsonValue.EMPTY_JSON_OBJECT : parse(body);
    Script s = script;
    JsonValue override = request.get("fake_llm");
    if (override instanceof JsonObject fields) {
      s = overlay(s, fields);
    }
    if (s.hang()) {
      hang(exchange);
      return;
    }
    if (s.status() != 200) {
      String errorBody =
          s.errorBody() != null
              ? s.errorBody()
              : error("fake LLM error " + s.status(), "fake_error");
      Script failing = s;
      later(
          s.firstByteDelay(),
          exchange,
          () -> {
            respond(exchange, failing.status(), "application/json", errorBody);
            count(completedCount);
          });
      return;
    }
    String model = request.getString("model", "fake-model");
    boolean stream = request.getBoolean("stream", false);
    JsonValue options = request.get("stream_options");
    boolean usage = options instanceof JsonObject o && o.getBoolean("include_usage", false);
    String id = "chatcmpl-" + completionIds.incrementAndGet();
    if (stream) {
      Script streaming = s;
      later(s.firstByteDelay(), exchange, () -> startStream(exchange, streaming, id, model, usage));
    } else {
      Script plain = s;
      later(
          s.firstByteDelay(),
          exchange,
          () -> {
            respond(exchange, 200, "application/json", completion(id, model, plain.chunks()));
            count(completedCount);
          });
    }
  }

  // ---- for the API families' classes (FakeApi) ------------------------------------------------

  /**
   * The script for one inference request: the instance's, overlaid with the body's {@code
   * fake_llm}; counts the request as a chat request.
   */
  Script scriptFor(JsonObject request) {
    count(chatCount);
    return request.get("fake_llm") instanceof JsonObject fields ? overlay(script, fields) : script;
  }

  /**
   * Answers as the script says when it says to hang or fail ({@code errorBody} is the family's own
   * error shape, used when the script gives none); false when the request is to be answered.
   */
  boolean scriptedFailure(HttpExchange exchange, Script s, String errorBody) {
    if (s.hang()) {
      hanging.add(exchange);
      return true;
    }
    if (s.status() == 200) {
      return false;
    }
    String body = s.errorBody() != null ? s.errorBody() : errorBody;
    later(
        s.firstByteDelay(),
        exchange,
        () -> {
          respond(exchange, s.status(), "application/json", body);
          count(completedCount);
        });
    return true;
  }

  /** Answers with one JSON body after the script's first-byte delay; counts it completed. */
  void answerJson(HttpExchange exchange, Script s, String body) {
    later(
        s.firstByteDelay(),
        exchange,
        () -> {
          respond(exchange, 200, "application/json", body);
          count(completedCount);
        });
  }

  /**
   * Streams {@code head}, then the script's {@code chunks} pieces ({@code chunk.apply(i)}) paced by
   * its chunk delay, then {@code tail}, all as bytes already framed by the family (SSE events or
   * NDJSON lines); counts it completed, or aborted when the client goes.
   */
  void pacedStream(
      HttpExchange exchange,
      Script s,
      String contentType,
      byte[] head,
      java.util.function.IntFunction<byte[]> chunk,
      java.util.function.Supplier<byte[]> tail) {
    later(
        s.firstByteDelay(),
        exchange,
        () -> {
          exchange.getResponseHeaders().set("Content-Type", contentType);
          exchange.getResponseHeaders().set("Cache-Control", "no-cache");
          exchange.sendResponseHeaders(200, 0);
          OutputStream out = exchange.getResponseBody();
          out.write(head);
          out.flush();
          pace(exchange, out, s, chunk, tail, 0);
        });
  }

  private void pace(
      HttpExchange exchange,
      OutputStream out,
      Script s,
      java.util.function.IntFunction<byte[]> chunk,
      java.util.function.Supplier<byte[]> tail,
      int index) {
    try {
      while (index < s.chunks()) {
        out.write(chunk.apply(index++));
        out.flush();
        if (!s.chunkDelay().isZero()) {
          int next = index;
          pacer.schedule(
              () -> pace(exchange, out, s, chunk, tail, next),
              s.chunkDelay().toNanos(),
              TimeUnit.NANOSECONDS);
          return;
        }
      }
      out.write(tail.get());
      out.close();
      count(completedCount);
    } catch (IOException e) {
      aborted(exchange);
    }
  }

  /** An SSE event with a name, as Responses and Anthropic Messages stream them. */
  static byte[] namedEvent(String name, String payload) {
    return ("event: " + name + "\ndata: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** The text of content piece {@code index}, as every family's answers carry it. */
  static String token(int index) {
    return "tok" + index + " ";
  }

  static void respondJson(HttpExchange exchange, int status, String body) throws IOException {
    respond(exchange, status, "application/json", body);
  }

  static String openAiError(String message, String code) {
    return error(message, code);
  }

  static JsonObject parseBody(String body) {
    return body.isBlank() ? JsonValue.EMPTY_JSON_OBJECT : parse(body);
  }

  interface Step {
    void run() throws IOException;
  }

  /** Held until close(): a test of timeouts and cancels needs an LLM that never answers. */
  void hang(HttpExchange exchange) {
    hanging.add(exchange);
  }

  ScheduledExecutorService pacer() {
    return pacer;
  }

  /**
   * Runs {@code step} now or after {@code delay} on the pacer; a failed write counts as an abort.
   */
  void later(Duration delay, HttpExchange exchange, Step step) {
    Runnable guarded =
        () -> {
          try {
            step.run();
          } catch (IOException e) {
            aborted(exchange);
          }
        };
    if (delay.isZero()) {
      guarded.run();
    } else {
      pacer.schedule(guarded, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  void aborted(HttpExchange exchange) {
    count(abortedCount);
    exchange.close();
  }

  private void startStream(HttpExchange exchange, Script s, String id, String model, boolean usage)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    if (s.chunkDelay().isZero()) {
      for (int i = 0; i < s.chunks(); i++) {
        out.write(event(contentChunk(id, model, i)));
      }
      finishStream(exchange, out, s, id, model, usage);
    } else {
      writeChunk(exchange, out, s, id, model, usage, 0);
    }
  }

  private void writeChunk(
      HttpExchange exchange,
      OutputStream out,
      Script s,
      String id,
      String model,
      boolean usage,
      int index) {
    try {
      if (index == s.chunks()) {
        finishStream(exchange, out, s, id, model, usage);
        return;
      }
      out.write(event(contentChunk(id, model, index)));
      out.flush();
      pacer.schedule(
          () -> writeChunk(exchange, out, s, id, model, usage, index + 1),
          s.chunkDelay().toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      aborted(exchange);
    }
  }

  private void finishStream(
      HttpExchange exchange, OutputStream out, Script s, String id, String model, boolean usage)
      throws IOException {
    out.write(
        event(
            "{\"id\":\""
                + id
                + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":"
                + quote(model)
                + ",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
    if (usage) {
      out.write(
          event(
              "{\"id\":\""
                  + id
                  + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":"
                  + quote(model)
                  + ",\"choices\":[],"
                  + usageJson(s.chunks())
                  + "}"));
    }
    out.write(event("[DONE]"));
    out.close();
    count(completedCount);
  }

  private static String contentChunk(String id, String model, int index) {
    String delta =
        index == 0
            ? "{\"role\":\"assistant\",\"content\":\"tok0 \"}"
            : "{\"content\":\"tok" + index + " \"}";
    return "{\"id\":\""
        + id
        + "\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":"
        + quote(model)
        + ",\"choices\":[{\"index\":0,\"delta\":"
        + delta
        + ",\"finish_reason\":null}]}";
  }

  /** {@code /v1/completions}, the legacy text API: the script's tokens, streamed or not. */
  private void textCompletion(HttpExchange exchange, String body) throws IOException {
    JsonObject request = body.isBlank() ? JsonValue.EMPTY_JSON_OBJECT : parse(body);
    String model = request.getString("model", "fake-model");
    String id = "cmpl-" + completionIds.incrementAndGet();
    int tokens = script.chunks();
    if (!request.getBoolean("stream", false)) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < tokens; i++) {
        text.append("tok").append(i).append(' ');
      }
      respond(
          exchange,
          200,
          "application/json",
          "{\"id\":\""
              + id
              + "\",\"object\":\"text_completion\",\"created\":0,"
              + "\"model\":"
              + quote(model)
              + ",\"choices\":[{\"text\":"
              + quote(text.toString())
              + ",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}],"
              + usageJson(tokens)
              + "}");
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      for (int i = 0; i <= tokens; i++) {
        String text = i < tokens ? "tok" + i + " " : "";
        String finish = i < tokens ? "null" : "\"stop\"";
        out.write(
            event(
                "{\"id\":\""
                    + id
                    + "\",\"object\":\"text_completion\",\"created\":0,\"model\":"
                    + quote(model)
                    + ",\"choices\":[{\"text\":"
                    + quote(text)
                    + ",\"index\":0,\"logprobs\":null,"
                    + "\"finish_reason\":"
                    + finish
                    + "}]}"));
      }
      out.write(event("[DONE]"));
    }
  }

  /** {@code /v1/embeddings}: one small vector per input, from the input's length. */
  private void embeddings(HttpExchange exchange, String body) throws IOException {
    JsonObject request = body.isBlank() ? JsonValue.EMPTY_JSON_OBJECT : parse(body);
    String model = request.getString("model", "fake-model");
    JsonValue input = request.get("input");
    List<String> inputs = new ArrayList<>();
    if (input instanceof JsonString one) {
      inputs.add(one.getString());
    } else if (input instanceof JsonArray many) {
      many.forEach(v -> inputs.add(v instanceof JsonString text ? text.getString() : v.toString()));
    } else {
      respond(
          exchange, 400, "application/json", error("'input' is required", "invalid_request_error"));
      return;
    }
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < inputs.size(); i++) {
      int length = inputs.get(i).length();
      data.append(i == 0 ? "" : ",")
          .append("{\"object\":\"embedding\",\"index\":")
          .append(i)
          .append(",\"embedding\":[")
          .append(length)
          .append(".0,0.5,-1.0]}");
    }
    respond(
        exchange,
        200,
        "application/json",
        "{\"object\":\"list\",\"data\":["
            + data
            + "],\"model\":"
            + quote(model)
            + ",\"usage\":{\"prompt_tokens\":"
            + inputs.size()
            + ",\"total_tokens\":"
            + inputs.size()
            + "}}");
  }

  private static String completion(String id, String model, int tokens) {
    StringBuilder content = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      content.append("tok").append(i).append(' ');
    }
    return "{\"id\":\""
        + id
        + "\",\"object\":\"chat.completion\",\"created\":0,\"model\":"
        + quote(model)
        + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + quote(content.toString())
        + "},\"finish_reason\":\"stop\"}],"
        + usageJson(tokens)
        + "}";
  }

  private static String usageJson(int completionTokens) {
    return "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":"
        + completionTokens
        + ",\"total_tokens\":"
        + (7 + completionTokens)
        + "}";
  }

  private static byte[] event(String payload) {
    return ("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String error(String message, String code) {
    return "{\"error\":{\"message\":"
        + quote(message)
        + ",\"type\":\""
        + code
        + "\",\"param\":null,\"code\":\""
        + code
        + "\"}}";
  }

  static Script overlay(Script s, JsonObject f) {
    Script out = s;
    if (f.containsKey("chunks")) {
      out = out.withChunks(f.getInt("chunks"));
    }
    if (f.containsKey("chunk_delay_ms")) {
      out = out.withChunkDelay(Duration.ofMillis(f.getJsonNumber("chunk_delay_ms").longValue()));
    }
    if (f.containsKey("first_byte_delay_ms")) {
      out =
          out.withFirstByteDelay(
              Duration.ofMillis(f.getJsonNumber("first_byte_delay_ms").longValue()));
    }
    if (f.containsKey("status")) {
      JsonNumber status = f.getJsonNumber("status");
      out =
          out.withError(
              status.intValue(), f.containsKey("error_body") ? f.getString("error_body") : null);
    }
    if (f.containsKey("hang")) {
      out = out.withHang(f.getBoolean("hang"));
    }
    if (f.containsKey("models")) {
      List<String> models = new ArrayList<>();
      f.getJsonArray("models")
          .getValuesAs(jakarta.json.JsonString.class)
          .forEach(m -> models.add(m.getString()));
      out = out.withModels(models);
    }
    if (f.containsKey("openai_models") || f.containsKey("ollama_tags")) {
      out =
          out.withModelEndpoints(
              f.getBoolean("openai_models", out.openAiModels()),
              f.getBoolean("ollama_tags", out.ollamaTags()));
    }
    return out;
  }

  static JsonObject parse(String json) {
    try (var reader = Json.createReader(new StringReader(json))) {
      return reader.readObject();
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("not a JSON object");
    }
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
