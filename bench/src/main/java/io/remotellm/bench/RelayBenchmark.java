package io.remotellm.bench;

import io.remotellm.bench.LoadClient.Gauge;
import io.remotellm.bench.LoadClient.Rate;
import io.remotellm.bench.LoadClient.StreamResult;
import io.remotellm.bench.Results.Compare;
import io.remotellm.bench.Results.Figure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay benchmark: every figure of issue 5 measured straight against the fake LLM and through
 * broker + connector, in one run, back to back or interleaved.
 *
 * <pre>
 * bench/remotellm-bench [--quick] [--cpu-only [--throughput] [--latency] | --memory] [--jfr] [--docs] [--out DIR]
 *     [--server payara|wildfly|liberty] [--broker-java-opts "..."] [--connector-java-opts "..."]
 * </pre>
 *
 * Writes results.json, results.csv, results.md and benchmarks.png to the output directory (default
 * bench/target/bench, or bench/target/bench-quick); {@code --docs} also copies the chart to
 * docs/benchmarks.png.
 */
public final class RelayBenchmark {

  private static final System.Logger LOG = System.getLogger(RelayBenchmark.class.getName());

  /** The connector launcher's own default JVM options, repeated when options are added to them. */
  static final String CONNECTOR_DEFAULT_OPTS =
      "-XX:+UseSerialGC -Xms8m -Xmx512m -XX:TieredStopAtLevel=1 -Xss256k"
          + " -XX:ReservedCodeCacheSize=16m -XX:-UsePerfData -Djdk.httpclient.bufsize=4096";

  private static final String MODEL = "fake-model";

  /** Seconds a single stream of the warm-up or the c=1 phase may take before the run stops. */
  private static final int STREAM_END = 60;

  private static final String USER_KEY = "sk-bench-user";
  private static final String CONNECTOR_TOKEN = "bench-connector-token";

  /** What a run does; {@link #quick()} shrinks every count for CI. */
  public record Options(
      boolean quick,
      Path root,
      Path out,
      boolean jfr,
      boolean docs,
      boolean cpuOnly,
      String brokerJavaOpts,
      String connectorJavaOpts,
      Set<String> switchedOff,
      String server,
      boolean throughput,
      boolean latency,
      boolean memory) {

    /**
     * On Payara Micro, the phases of {@code cpuOnly} alone; the second broker switches both off.
     */
    public Options(
        boolean quick,
        Path root,
        Path out,
        boolean jfr,
        boolean docs,
        boolean cpuOnly,
        String brokerJavaOpts,
        String connectorJavaOpts) {
      this(
          quick,
          root,
          out,
          jfr,
          docs,
          cpuOnly,
          brokerJavaOpts,
          connectorJavaOpts,
          Set.of("ledger", "metrics"),
          "payara",
          false,
          false,
          false);
    }

    static Options parse(String[] args) {
      boolean quick = false;
      boolean jfr = false;
      boolean docs = false;
      boolean cpuOnly = false;
      Path out = null;
      String brokerOpts = null;
      String connectorOpts = null;
      Set<String> off = Set.of("ledger", "metrics");
      String server = "payara";
      boolean throughput = false;
      boolean latency = false;
      boolean memory = false;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--quick" -> quick = true;
          case "--jfr" -> jfr = true;
          case "--docs" -> docs = true;
          case "--cpu-only" -> cpuOnly = true;
          case "--out" -> out = Path.of(args[++i]);
          case "--broker-java-opts" -> brokerOpts = args[++i];
          case "--connector-java-opts" -> connectorOpts = args[++i];
          case "--compare-off" -> off = switches(args[++i]);
          case "--server" -> server = args[++i];
          case "--throughput" -> throughput = true;
          case "--latency" -> latency = true;
          case "--memory" -> memory = true;
          case "-h", "--help" -> {
            System.out.println(
                "usage: remotellm-bench [--quick] [--cpu-only [--throughput] [--latency] | --memory] [--jfr]"
                    + " [--docs]"
                    + " [--out DIR] [--server payara|wildfly|liberty]"
                    + " [--broker-java-opts OPTS] [--connector-java-opts OPTS]"
                    + " [--compare-off ledger,metrics]");
            System.exit(0);
          }
          default ->
              throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
        }
      }
      if (!List.of("payara", "wildfly", "liberty").contains(server)) {
        throw new IllegalArgumentException(
            "--server must be payara, wildfly or liberty, not " + server);
      }
      if (throughput && !cpuOnly) {
        throw new IllegalArgumentException("--throughput adds to --cpu-only (a full run has it)");
      }
      if (latency && !cpuOnly) {
        throw new IllegalArgumentException("--latency adds to --cpu-only (a full run has it)");
      }
      if (memory && (cpuOnly || quick)) {
        throw new IllegalArgumentException(
            "--memory is a run of its own: not with --cpu-only or --quick");
      }
      Path root = repositoryRoot();
      if (out == null) {
        String name = cpuOnly ? "bench-cpu" : memory ? "bench-memory" : "bench";
        out = root.resolve("bench/target/" + name + (quick ? "-quick" : ""));
      }
      return new Options(
          quick,
          root,
          out.toAbsolutePath(),
          jfr,
          docs,
          cpuOnly,
          brokerOpts,
          connectorOpts,
          off,
          server,
          throughput,
          latency,
          memory);
    }

    /**
     * What the second broker of the on-vs-off phase switches off: {@code ledger}, {@code metrics}
     * or both (the default), so each one's cost can be told apart.
     */
    static Set<String> switches(String list) {
      Set<String> off = new TreeSet<>();
      for (String s : list.split(",")) {
        String name = s.strip();
        if (!name.equals("ledger") && !name.equals("metrics")) {
          throw new IllegalArgumentException(
              "--compare-off takes ledger, metrics or both, comma-separated; not '" + name + "'");
        }
        off.add(name);
      }
      return Set.copyOf(off);
    }

    /** The repository root: -Dremotellm.root, else the nearest directory above with bin/. */
    static Path repositoryRoot() {
      String prop = System.getProperty("remotellm.root");
      if (prop != null) {
        return Path.of(prop).toAbsolutePath();
      }
      Path dir = Path.of("").toAbsolutePath();
      while (dir != null && !Files.isExecutable(dir.resolve("bin/remotellm-broker"))) {
        dir = dir.getParent();
      }
      if (dir == null) {
        throw new IllegalStateException("run from inside the repository or set -Dremotellm.root");
      }
      return dir;
    }
  }

  /** Counts and durations of one mode. */
  private record Plan(
      Duration fakeAlone,
      int warmup,
      int latencyRequests,
      Duration throughputWindow,
      int streamRequests,
      int streamChunks,
      Duration chunkWindow,
      int chunkStreamLength,
      Duration pacedWindow,
      int heldStreams,
      int holdMillis,
      int[] ramp) {

    static Plan of(boolean quick) {
      return quick
          ? new Plan(
              Duration.ofSeconds(1),
              200,
              200,
              Duration.ofSeconds(2),
              30,
              50,
              Duration.ofSeconds(2),
              100,
              Duration.ofSeconds(2),
              200,
              4000,
              new int[] {100, 200})
          : new Plan(
              Duration.ofSeconds(5),
              1500,
              1000,
              Duration.ofSeconds(10),
              200,
              50,
              Duration.ofSeconds(10),
              100,
              Duration.ofSeconds(10),
              1000,
              10000,
              new int[] {250, 500, 1000, 1500, 2000});
    }
  }

  private final Options options;
  private final Plan plan;

  /** A private copy of the launchers and built artifacts: others may rebuild the tree meanwhile. */
  private Path product;

  private final Results results = new Results();
  private Process fake;
  private BrokerServer server;
  private Process broker;

  /** The broker's JVM (under the server's launch script on WildFly): CPU and memory are its. */
  private long brokerPid;

  private Process connector;
  private URI direct;
  private URI relay;

  /**
   * A second broker and connector, alike but with the usage ledger and metrics off, for their cost.
   */
  private URI relayWithoutLedger;

  private Process plainBroker;

  private URI brokerBase;
  private final AtomicLong brokerRssPeak = new AtomicLong();
  private final AtomicLong connectorRssPeak = new AtomicLong();
  private final List<Long> brokerHeapLoad = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> connectorHeapLoad = Collections.synchronizedList(new ArrayList<>());

  public RelayBenchmark(Options options) {
    this.options = options;
    this.plan = Plan.of(options.quick());
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Options options = Options.parse(args);
    Results results = new RelayBenchmark(options).run();
    System.out.println();
    System.out.println(results.markdown());
    System.out.println("results: " + options.out());
  }

  /** Runs every phase; all processes it started are gone when it returns or throws. */
  public Results run() throws Exception {
    Files.createDirectories(options.out());
    Path tmp = options.out().resolve("tmp");
    Files.createDirectories(tmp);
    info();
    product = stage(options.root(), options.out().resolve("product"));
    server = BrokerServer.of(options.server(), options.root());
    results.info.put("broker server", server.label());
    try (Fleet fleet = new Fleet(options.out().resolve("logs"));
        LoadClient client = new LoadClient(4)) {
      int fakePort = Fleet.freePort();
      startFake(fleet, fakePort);
      direct = URI.create("http://127.0.0.1:" + fakePort + "/v1/chat/completions");

      fakeAlone(client);

      int brokerPort = startBroker(fleet, tmp);
      brokerBase = URI.create("http://127.0.0.1:" + brokerPort + "/");
      relay = brokerBase.resolve("v1/chat/completions");
      startConnector(fleet, fakePort, brokerPort, Fleet.freePort());
      awaitRelay(client);
      // The ledger's cost is the WAR's, measured on Payara Micro; on the other servers a second
      // broker would only add minutes of boot. The measured broker gets the same load either way.
      // --memory measures the one broker: a second one would only add its boot and its memory.
      if (server.id().equals("payara") && !options.memory()) {
        int plainPort = startPlainBroker(fleet, tmp);
        relayWithoutLedger = URI.create("http://127.0.0.1:" + plainPort + "/v1/chat/completions");
        startPlainConnector(fleet, fakePort, plainPort, Fleet.freePort());
        awaitRelay(client, relayWithoutLedger);
      }

      idleMemory("idle");
      warmUp(client);
      // First, while both brokers have had the same warm-up and nothing else.
      if (!options.memory()) {
        ledgerCost(client);
      }
      cpu(client);
      if (options.cpuOnly() && options.latency()) {
        latency(client); // right after the CPU phase, with the JIT as warm as it gets there
      }
      if (options.memory()) {
        // The phases that drive memory up in a full run: the SSE flood and the ramp.
        chunkRate(client);
        ramp(client);
      } else if (!options.cpuOnly()) {
        heldStreams(client);
        latency(client);
        throughput(client);
        streaming(client);
        chunkRate(client);
        paced(client);
        ramp(client);
      } else if (options.throughput()) {
        throughput(client);
        chunkRate(client);
      }
      loadMemory();
      idleMemory("after load");
      if (!options.cpuOnly() && !options.quick()) {
        idlingBack(60); // a minute: not in CI's quick run
        nativeMemory("after");
      }

      // SIGTERM now, so that JFR recordings are written before the results are.
      Fleet.stop(connector, 40);
      Fleet.stop(broker, 60);
    } finally {
      results.info.put("load average at end", loadAverage());
      results.info.put("finished", Instant.now().toString());
      // The processes are gone: their copies and Payara's run files (about 100 MB) can go too.
      deleteTree(options.out().resolve("product"));
      deleteTree(tmp);
    }
    write();
    return results;
  }

  // ----------------------------------------------------------------------------------- processes

  private void startFake(Fleet fleet, int port) throws Exception {
    Path jar = testSupportJar();
    fake =
        fleet.start(
            "fake-llm",
            List.of(
                java(),
                "-jar",
                jar.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port)),
            Map.of(),
            options.out());
    awaitOk("the fake LLM", URI.create("http://127.0.0.1:" + port + "/v1/models"), null, 60);
  }

  /** Starts the measured broker on the chosen server; returns its API port. */
  private int startBroker(Fleet fleet, Path tmp) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("REMOTELLM_BROKER_USER_API_KEYS", USER_KEY);
    env.put("REMOTELLM_BROKER_CONNECTOR_TOKENS", CONNECTOR_TOKEN);
    // The usage ledger's embedded database goes with this run, not into the home directory.
    env.put("REMOTELLM_BROKER_DATA_DIR", tmp.resolve("broker-data").toString());
    List<String> opts = new ArrayList<>();
    if (options.brokerJavaOpts() != null) {
      opts.add(options.brokerJavaOpts());
    }
    if (options.jfr()) {
      opts.add(jfr("broker"));
    }
    long t0 = System.nanoTime();
    BrokerServer.Started started =
        server.start(
            fleet,
            "broker",
            new BrokerServer.Launch(
                product,
                war(),
                env,
                opts.isEmpty() ? null : String.join(" ", opts),
                runDir(tmp, "broker")));
    broker = started.process();
    // 600 s: with load averages of 20-30 from other builds Payara Micro took 215 s to boot.
    awaitOk(
        "the broker",
        URI.create("http://127.0.0.1:" + started.apiPort() + "/v1/models"),
        broker,
        600);
    brokerPid = BrokerServer.jvm(broker);
    results.info.put(
        "broker boot to first 200", String.format("%.1f s", (System.nanoTime() - t0) / 1e9));
    return started.apiPort();
  }

  /** The run's copy of the broker WAR, with the bench floor ({@link #stage}). */
  private Path war() {
    return product.resolve("broker-war/target/remotellm-broker.war");
  }

  private static Path runDir(Path tmp, String name) throws IOException {
    return Files.createDirectories(tmp.resolve(name + "-run"));
  }

  private void startConnector(Fleet fleet, int fakePort, int brokerPort, int healthPort)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("REMOTELLM_BROKER_TOKEN", CONNECTOR_TOKEN);
    String opts = options.connectorJavaOpts();
    if (options.jfr()) {
      opts = (opts == null ? CONNECTOR_DEFAULT_OPTS : opts) + " " + jfr("connector");
    }
    if (opts != null) {
      env.put("REMOTELLM_CONNECTOR_JAVA_OPTS", opts);
    }
    results.info.put(
        "connector JVM options",
        opts == null ? "launcher default: " + CONNECTOR_DEFAULT_OPTS : opts);
    results.info.put(
        "broker JVM options",
        options.brokerJavaOpts() == null && !options.jfr()
            ? "the server's defaults (" + server.label() + ")"
            : "see logs/broker.log");
    connector =
        fleet.start(
            "connector",
            List.of(
                product.resolve("bin/remotellm-connector").toString(),
                "--llm-url",
                "http://127.0.0.1:" + fakePort,
                "--broker-url",
                "ws://127.0.0.1:" + brokerPort + "/ws",
                "--model",
                MODEL,
                // The fake LLM serves thousands at once: measure the relay, not the connector's
                // bound
                // on calls to a real local LLM (32 by default).
                "--llm-connections",
                "100000",
                "--health-port",
                Integer.toString(healthPort)),
            env,
            options.out());
    awaitOk(
        "the connector", URI.create("http://127.0.0.1:" + healthPort + "/ready"), connector, 120);
  }

  private String jfr(String name) {
    return "-XX:StartFlightRecording=filename="
        + options.out().resolve(name + ".jfr")
        + ",settings=profile,dumponexit=true";
  }

  /** The relay answers a chat request once the connector has registered its model. */
  /**
   * The broker without its usage ledger and metrics ({@code REMOTELLM_BROKER_LEDGER_ENABLED=false},
   * {@code REMOTELLM_BROKER_METRICS_ENABLED=false}), on the same server with the same JVM options
   * as the measured one; only {@link #ledgerCost} uses it.
   */
  private int startPlainBroker(Fleet fleet, Path tmp) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("REMOTELLM_BROKER_USER_API_KEYS", USER_KEY);
    env.put("REMOTELLM_BROKER_CONNECTOR_TOKENS", CONNECTOR_TOKEN);
    if (options.switchedOff().contains("ledger")) {
      env.put("REMOTELLM_BROKER_LEDGER_ENABLED", "false");
    }
    if (options.switchedOff().contains("metrics")) {
      env.put("REMOTELLM_BROKER_METRICS_ENABLED", "false");
    }
    env.put("REMOTELLM_BROKER_DATA_DIR", tmp.resolve("plain-broker-data").toString());
    BrokerServer.Started started =
        server.start(
            fleet,
            "broker-without-ledger",
            new BrokerServer.Launch(
                product, war(), env, options.brokerJavaOpts(), runDir(tmp, "plain-broker")));
    awaitOk(
        "the broker without ledger",
        URI.create("http://127.0.0.1:" + started.apiPort() + "/v1/models"),
        started.process(),
        600);
    plainBroker = started.process();
    return started.apiPort();
  }

  private void startPlainConnector(Fleet fleet, int fakePort, int brokerPort, int healthPort)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("REMOTELLM_BROKER_TOKEN", CONNECTOR_TOKEN);
    if (options.connectorJavaOpts() != null) {
      env.put("REMOTELLM_CONNECTOR_JAVA_OPTS", options.connectorJavaOpts());
    }
    Process plain =
        fleet.start(
            "connector-without-ledger",
            List.of(
                product.resolve("bin/remotellm-connector").toString(),
                "--llm-url",
                "http://127.0.0.1:" + fakePort,
                "--broker-url",
                "ws://127.0.0.1:" + brokerPort + "/ws",
                "--model",
                MODEL,
                "--llm-connections",
                "100000",
                "--health-port",
                Integer.toString(healthPort)),
            env,
            options.out());
    awaitOk(
        "the connector without ledger",
        URI.create("http://127.0.0.1:" + healthPort + "/ready"),
        plain,
        120);
  }

  /**
   * What the usage ledger (usage read from every answer, a row queued per request, batches written
   * to the embedded database) and the metrics (counters and histograms per request) cost: the same
   * load through the broker with both and through an identical broker without either, in the same
   * run, alternating off, on, off, on, so a change in the machine's load hits both alike.
   * Non-streamed requests (the per-request cost) and streams of 20 chunks with the usage chunk
   * asked for and hidden (the per-event scan). On WildFly and Open Liberty there is no second
   * broker: the measured one gets the same load as on Payara Micro (its half), and no figure.
   */
  private void ledgerCost(LoadClient client) throws Exception {
    phase("usage ledger and metrics on vs off");
    Duration half = plan.throughputWindow().dividedBy(2);
    // Both brokers once more through the two kinds of load, alike, before anything counts.
    for (URI target : brokers(relayWithoutLedger, relay)) {
      client.closedLoop(16, half, d -> client.request(req(target, false, 5, 0), d));
      client.closedLoop(
          16,
          half,
          d ->
              client.stream(req(target, true, 20, 0), 20, d, new AtomicLong(), null)
                  .thenApply(RelayBenchmark::orThrow)
                  .thenApply(x -> 1L));
    }
    String switched = String.join("+", new TreeSet<>(options.switchedOff()));
    double[] plain = new double[2];
    double[] streamed = new double[2];
    // CPU of each broker over its own windows (the other one idles meanwhile): steadier than
    // throughput on a shared machine, and what says where the difference goes.
    long[] plainCpu = new long[2];
    long[] plainOps = new long[2];
    long[] streamCpu = new long[2];
    long[] streamOps = new long[2];
    int rounds = 3;
    for (int round = 0; round < rounds; round++) {
      for (int on = relayWithoutLedger == null ? 1 : 0; on < 2; on++) {
        URI target = on == 1 ? relay : relayWithoutLedger;
        long pid = on == 1 ? brokerPid : BrokerServer.jvm(plainBroker);
        String what = switched + (on == 1 ? " on" : " off");
        long before = CpuCost.cpuNanos(pid);
        Rate r = client.closedLoop(16, half, d -> client.request(req(target, false, 5, 0), d));
        plainCpu[on] += CpuCost.cpuNanos(pid) - before;
        plainOps[on] += r.units();
        check(what + " c=16", r);
        plain[on] += r.perSecond() / rounds;
        before = CpuCost.cpuNanos(pid);
        Rate s =
            client.closedLoop(
                16,
                half,
                d ->
                    client.stream(req(target, true, 20, 0), 20, d, new AtomicLong(), null)
                        .thenApply(RelayBenchmark::orThrow)
                        .thenApply(x -> 1L));
        streamCpu[on] += CpuCost.cpuNanos(pid) - before;
        streamOps[on] += s.units();
        check(what + " streams c=16", s);
        streamed[on] += s.perSecond() / rounds;
      }
    }
    if (relayWithoutLedger == null) {
      return;
    }
    String note =
        "\"direct\" is the broker with "
            + switched
            + " off, \"relay\" the one with "
            + switched
            + " on (--compare-off)";
    results.add(
        new Figure(
            "ledger_nonstream_c16_rps",
            switched + ": relay non-stream c=16 (off → on)",
            "req/s",
            plain[0],
            plain[1],
            Compare.RATIO,
            "≥ 0.9×",
            (off, on) -> on / off >= 0.9,
            note));
    results.add(
        new Figure(
            "ledger_stream_c16_rps",
            switched + ": relay streams of 20 chunks c=16 (off → on)",
            "streams/s",
            streamed[0],
            streamed[1],
            Compare.RATIO,
            "≥ 0.9×",
            (off, on) -> on / off >= 0.9,
            note));
    results.add(
        new Figure(
            "ledger_nonstream_broker_cpu_ms",
            switched + ": broker CPU per non-stream request, c=16 (off → on)",
            "ms",
            plainCpu[0] / 1e6 / Math.max(1, plainOps[0]),
            plainCpu[1] / 1e6 / Math.max(1, plainOps[1]),
            Compare.RATIO,
            null,
            null,
            note));
    results.add(
        new Figure(
            "ledger_stream_broker_cpu_ms",
            switched + ": broker CPU per stream of 20 chunks, c=16 (off → on)",
            "ms",
            streamCpu[0] / 1e6 / Math.max(1, streamOps[0]),
            streamCpu[1] / 1e6 / Math.max(1, streamOps[1]),
            Compare.RATIO,
            null,
            null,
            note));
  }

  /** The relays given, without the broker that was not started (null). */
  private static List<URI> brokers(URI... relays) {
    return Arrays.stream(relays).filter(java.util.Objects::nonNull).toList();
  }

  private void awaitRelay(LoadClient client) throws Exception {
    awaitRelay(client, relay);
  }

  private void awaitRelay(LoadClient client, URI relay) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        client.once(LoadClient.post(relay, USER_KEY, body(false, 5, 0)));
        return;
      } catch (IOException e) {
        last = e.getMessage();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the relay did not answer within 60 s: " + last);
  }

  private void awaitOk(String what, URI uri, Process process, int seconds) throws Exception {
    java.net.http.HttpClient http =
        java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(
            what
                + " exited with "
                + process.exitValue()
                + "; see "
                + options.out().resolve("logs"));
      }
      try {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        req.header("Authorization", "Bearer " + USER_KEY);
        int status =
            http.send(req.build(), java.net.http.HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new TimeoutException(
        what + " did not answer 200 at " + uri + " within " + seconds + " s");
  }

  private Path testSupportJar() throws IOException {
    Path target = product.resolve("test-support/target");
    try (DirectoryStream<Path> jars =
        Files.newDirectoryStream(target, "remotellm-test-support-*.jar")) {
      for (Path jar : jars) {
        if (!jar.getFileName().toString().contains("sources")) {
          return jar;
        }
      }
    } catch (IOException e) {
      // fall through to the message below
    }
    throw new IllegalStateException(
        "no fake LLM jar in "
            + target
            + ": build first (mvn -B -DskipTests -pl bench -am package)");
  }

  /**
   * Copies the launchers and the artifacts they run (same layout, so bin/ finds them) to {@code
   * to}: a module rebuilt by someone else during the run must not pull a jar from under a running
   * JVM.
   */
  static Path stage(Path root, Path to) throws IOException {
    List<String> files =
        new ArrayList<>(
            List.of(
                "bin/remotellm-broker",
                "bin/remotellm-connector",
                "broker-war/target/remotellm-broker.war",
                "broker-war/target/payara-micro.jar",
                "server-config/payara-micro-launcher/target/remotellm-broker-launcher.jar",
                "server-config/payara-micro-launcher/target/remotellm-payara-micro-logging.jar",
                "connector-app/target/remotellm-connector.jar"));
    for (String dir :
        List.of(
            "server-config/payara-micro",
            "server-config/wildfly",
            "server-config/liberty",
            "test-support/target/lib")) {
      try (var walk = Files.list(root.resolve(dir))) {
        walk.filter(Files::isRegularFile).forEach(f -> files.add(root.relativize(f).toString()));
      }
    }
    try (DirectoryStream<Path> jars =
        Files.newDirectoryStream(
            root.resolve("test-support/target"), "remotellm-test-support-*.jar")) {
      jars.forEach(j -> files.add(root.relativize(j).toString()));
    }
    copy(root, to, files);
    addFloor(root, to.resolve("broker-war/target/remotellm-broker.war"));
    return to;
  }

  private static void copy(Path root, Path to, List<String> files) throws IOException {
    for (String file : files) {
      Path source = root.resolve(file);
      if (!Files.isRegularFile(source)) {
        throw new IllegalStateException(
            source + " is missing: build first (mvn -B -DskipTests -pl bench -am package)");
      }
      Path target = to.resolve(file);
      Files.createDirectories(target.getParent());
      Files.copy(
          source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  /**
   * Adds the bench-only floor application ({@code io.remotellm.bench.floor}, compiled with this
   * module) to the run's private copy of the WAR: the built and shipped WAR never has it, so it
   * cannot be reached in production.
   */
  private static void addFloor(Path root, Path war) throws IOException {
    Path classes = root.resolve("bench/target/classes/io/remotellm/bench/floor");
    try (FileSystem zip = FileSystems.newFileSystem(war);
        DirectoryStream<Path> floor = Files.newDirectoryStream(classes, "*.class")) {
      Path dir = zip.getPath("WEB-INF/classes/io/remotellm/bench/floor");
      Files.createDirectories(dir);
      for (Path c : floor) {
        Files.copy(c, dir.resolve(c.getFileName().toString()));
      }
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // Left behind under target/: harmless, the next run or mvn clean removes it.
                }
              });
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not clean {0}: {1}", dir, e.toString());
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  // ------------------------------------------------------------------------------------- phases

  private static String body(boolean stream, int chunks, int delayMs) {
    return "{\"model\":\""
        + MODEL
        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
        + "\"stream\":"
        + stream
        + ",\"fake_llm\":{\"chunks\":"
        + chunks
        + ",\"chunk_delay_ms\":"
        + delayMs
        + "}}";
  }

  private HttpRequest req(URI uri, boolean stream, int chunks, int delayMs) {
    return LoadClient.post(uri, USER_KEY, body(stream, chunks, delayMs));
  }

  /**
   * The fake LLM with nothing else running: what it can do is the ceiling of every direct figure.
   */
  private void fakeAlone(LoadClient client) throws Exception {
    phase("fake LLM alone");
    // Warmed up first, as the relay will be: a cold JIT would make the ceiling look low.
    client.closedLoop(16, plan.fakeAlone(), d -> client.request(req(direct, false, 5, 0), d));
    client.closedLoop(
        16,
        plan.fakeAlone(),
        d ->
            client.stream(
                    req(direct, true, plan.chunkStreamLength(), 0),
                    plan.chunkStreamLength(),
                    d,
                    null,
                    null)
                .thenApply(RelayBenchmark::orThrow)
                .thenApply(r -> 0L));
    Rate rps =
        client.closedLoop(16, plan.fakeAlone(), d -> client.request(req(direct, false, 5, 0), d));
    check("fake alone c=16", rps);
    AtomicLong chunks = new AtomicLong();
    Rate sse =
        client.closedLoop(
            16,
            plan.fakeAlone(),
            d ->
                client.stream(
                        req(direct, true, plan.chunkStreamLength(), 0),
                        plan.chunkStreamLength(),
                        d,
                        chunks,
                        null)
                    .thenApply(RelayBenchmark::orThrow)
                    .thenApply(r -> 0L));
    check("fake alone SSE", sse);
    double chunkRate = chunks.get() / sse.seconds();
    results.add(
        new Figure(
            "fake_alone_rps",
            "fake LLM alone: non-stream req/s, c=16",
            "req/s",
            rps.perSecond(),
            null,
            Compare.NONE,
            null,
            null,
            "before broker and connector start"));
    results.add(
        new Figure(
            "fake_alone_chunks",
            "fake LLM alone: SSE chunks/s, c=16",
            "chunks/s",
            chunkRate,
            null,
            Compare.NONE,
            null,
            null,
            "before broker and connector start"));
  }

  private void warmUp(LoadClient client) throws Exception {
    phase("warm-up");
    for (int i = 0; i < plan.warmup(); i++) {
      client.once(req(direct, false, 5, 0));
      client.once(req(relay, false, 5, 0));
      if (relayWithoutLedger != null) {
        client.once(req(relayWithoutLedger, false, 5, 0));
      }
    }
    for (int i = 0; i < plan.warmup() / 10; i++) {
      orThrow(client.stream(req(direct, true, 20, 0), 20, Long.MAX_VALUE, null, null));
      orThrow(client.stream(req(relay, true, 20, 0), 20, Long.MAX_VALUE, null, null));
      if (relayWithoutLedger != null) {
        orThrow(
            client.stream(req(relayWithoutLedger, true, 20, 0), 20, Long.MAX_VALUE, null, null));
      }
    }
    // The broker without the ledger is warmed exactly like the measured one.
    for (URI target : brokers(relay, relayWithoutLedger)) {
      client.closedLoop(
          16,
          Duration.ofSeconds(plan.warmup() > 500 ? 3 : 1),
          d -> client.request(req(target, false, 5, 0), d));
    }
    for (int i = 0; i < plan.warmup(); i++) {
      client.once(req(floorChat(), false, 5, 0));
    }
    for (int i = 0; i < plan.warmup() / 10; i++) {
      orThrow(client.stream(req(floorStream(20), true, 20, 0), 20, Long.MAX_VALUE, null, null));
    }
  }

  /** The bench-only floor resources that {@link #stage} adds to the copy of the WAR. */
  private URI floorChat() {
    return brokerBase.resolve("bench-floor/chat");
  }

  private URI floorStream(int events) {
    return brokerBase.resolve("bench-floor/stream?n=" + events);
  }

  /** CPU per request and per SSE event: relay, the server's floor and direct, alternating. */
  private void cpu(LoadClient client) throws Exception {
    phase("CPU per request and per SSE event");
    AtomicBoolean sampling = sampleRss();
    try {
      new CpuPhase(client, results, options.quick())
          .run(
              relay,
              floorChat(),
              floorStream(100),
              direct,
              brokerPid,
              connector.pid(),
              fake.pid(),
              (uri, stream, chunks) -> req(uri, stream, chunks, 0));
    } finally {
      sampling.set(false);
    }
  }

  /** Non-streaming at concurrency 1, direct and relay alternating request by request. */
  private void latency(LoadClient client) throws Exception {
    phase("non-stream latency c=1");
    int n = plan.latencyRequests();
    long[] d = new long[n];
    long[] r = new long[n];
    long jit0 = CpuCost.compilerNanos(brokerPid);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      d[i] = client.once(req(direct, false, 5, 0));
      r[i] = client.once(req(relay, false, 5, 0));
    }
    // Whether the broker's JIT was still compiling: if so, the relay's latency includes it.
    results.info.put(
        "broker JIT compiler CPU during the c=1 latency phase",
        String.format(
            Locale.ROOT,
            "%.2f s of %.2f s",
            (CpuCost.compilerNanos(brokerPid) - jit0) / 1e9,
            (System.nanoTime() - t0) / 1e9));
    writeSamples("latency-c1-nonstream.csv", d, r);
    results.add(
        new Figure(
            "nonstream_c1_p50",
            "non-stream latency p50, c=1, " + n + " requests",
            "ms",
            ms(pct(d, 50)),
            ms(pct(r, 50)),
            Compare.ADDED,
            "≤ +0.5 ms",
            (x, y) -> y - x <= 0.5,
            null));
    results.add(
        new Figure(
            "nonstream_c1_p99",
            "non-stream latency p99, c=1",
            "ms",
            ms(pct(d, 99)),
            ms(pct(r, 99)),
            Compare.ADDED,
            "≤ +2 ms",
            (x, y) -> y - x <= 2,
            null));
  }

  private void throughput(LoadClient client) throws Exception {
    for (int c : new int[] {16, 64}) {
      phase("non-stream throughput c=" + c);
      Rate d =
          client.closedLoop(
              c, plan.throughputWindow(), dl -> client.request(req(direct, false, 5, 0), dl));
      check("direct c=" + c, d);
      AtomicBoolean sampling = sampleRss();
      if (c == 64) {
        sampleHeapLater(plan.throughputWindow().toMillis() / 2);
      }
      Rate r =
          client.closedLoop(
              c, plan.throughputWindow(), dl -> client.request(req(relay, false, 5, 0), dl));
      sampling.set(false);
      check("relay c=" + c, r);
      results.add(
          new Figure(
              "nonstream_c" + c + "_rps",
              "non-stream throughput, c=" + c + ", " + plan.throughputWindow().toSeconds() + " s",
              "req/s",
              d.perSecond(),
              r.perSecond(),
              Compare.RATIO,
              c == 16 ? "≥ 0.5×" : null,
              c == 16 ? (x, y) -> y / x >= 0.5 : null,
              null));
    }
  }

  /** Streams of 50 chunks sent as fast as the fake can, one at a time, alternating. */
  private void streaming(LoadClient client) throws Exception {
    phase("streaming c=1");
    int n = plan.streamRequests();
    int chunks = plan.streamChunks();
    long[] dFirst = new long[n];
    long[] rFirst = new long[n];
    long[] dTotal = new long[n];
    long[] rTotal = new long[n];
    for (int i = 0; i < n; i++) {
      StreamResult d =
          orThrow(client.stream(req(direct, true, chunks, 0), chunks, Long.MAX_VALUE, null, null));
      StreamResult r =
          orThrow(client.stream(req(relay, true, chunks, 0), chunks, Long.MAX_VALUE, null, null));
      dFirst[i] = d.firstChunkNanos();
      rFirst[i] = r.firstChunkNanos();
      dTotal[i] = d.totalNanos();
      rTotal[i] = r.totalNanos();
    }
    results.add(
        new Figure(
            "stream_c1_ttfc_p50",
            "stream time to first chunk p50, c=1, " + chunks + " chunks, " + n + " streams",
            "ms",
            ms(pct(dFirst, 50)),
            ms(pct(rFirst, 50)),
            Compare.ADDED,
            null,
            null,
            null));
    results.add(
        new Figure(
            "stream_c1_total_p50",
            "stream total time p50, c=1, " + chunks + " chunks",
            "ms",
            ms(pct(dTotal, 50)),
            ms(pct(rTotal, 50)),
            Compare.ADDED,
            null,
            null,
            null));
  }

  private void chunkRate(LoadClient client) throws Exception {
    phase("SSE chunks/s c=16");
    int len = plan.chunkStreamLength();
    double[] rates = new double[2];
    URI[] targets = {direct, relay};
    for (int i = 0; i < 2; i++) {
      URI target = targets[i];
      AtomicLong chunks = new AtomicLong();
      AtomicBoolean sampling = i == 1 ? sampleRss() : new AtomicBoolean();
      Rate rate =
          client.closedLoop(
              16,
              plan.chunkWindow(),
              d ->
                  client.stream(req(target, true, len, 0), len, d, chunks, null)
                      .thenApply(RelayBenchmark::orThrow)
                      .thenApply(r -> 0L));
      sampling.set(false);
      check((i == 0 ? "direct" : "relay") + " SSE c=16", rate);
      rates[i] = chunks.get() / rate.seconds();
    }
    results.add(
        new Figure(
            "stream_c16_chunks",
            "SSE chunks/s, c=16, streams of " + len + " chunks",
            "chunks/s",
            rates[0],
            rates[1],
            Compare.RATIO,
            "≥ 0.8×",
            (x, y) -> y / x >= 0.8,
            null));
  }

  /** Paced streams, 50 chunks 20 ms apart, 16 at a time: time to first chunk. */
  private void paced(LoadClient client) throws Exception {
    phase("paced streams c=16");
    long[][] firsts = new long[2][];
    URI[] targets = {direct, relay};
    for (int i = 0; i < 2; i++) {
      URI target = targets[i];
      ConcurrentLinkedQueue<Long> first = new ConcurrentLinkedQueue<>();
      Rate rate =
          client.closedLoop(
              16,
              plan.pacedWindow(),
              d ->
                  client.stream(req(target, true, 50, 20), 50, d, null, null)
                      .thenApply(RelayBenchmark::orThrow)
                      .thenApply(
                          r -> {
                            first.add(r.firstChunkNanos());
                            return 1L;
                          }));
      check((i == 0 ? "direct" : "relay") + " paced", rate);
      firsts[i] = first.stream().mapToLong(Long::longValue).toArray();
    }
    results.add(
        new Figure(
            "paced_ttfc_p50",
            "paced streams (50 × 20 ms) time to first chunk p50, c=16, "
                + firsts[1].length
                + " streams",
            "ms",
            ms(pct(firsts[0], 50)),
            ms(pct(firsts[1], 50)),
            Compare.ADDED,
            "≤ +1 ms",
            (x, y) -> y - x <= 1,
            null));
    results.add(
        new Figure(
            "paced_ttfc_p99",
            "paced streams time to first chunk p99, c=16",
            "ms",
            ms(pct(firsts[0], 99)),
            ms(pct(firsts[1], 99)),
            Compare.ADDED,
            null,
            null,
            null));
  }

  /**
   * Memory per open stream: N streams that send their first chunk and then wait, held open through
   * the relay while broker and connector are measured after a full GC, against the same just
   * before.
   */
  private void heldStreams(LoadClient client) throws Exception {
    phase("memory per open stream");
    int n = plan.heldStreams();
    // Heap after a full GC, then RSS after a native trim: both the same way with and without the
    // streams.
    long bHeap0 = Memory.heapUsedKb(brokerPid, true);
    long cHeap0 = Memory.heapUsedKb(connector.pid(), true);
    long bRss0 = Memory.settledRssKb(brokerPid);
    long cRss0 = Memory.settledRssKb(connector.pid());
    Gauge open = new Gauge();
    List<CompletableFuture<StreamResult>> streams = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      streams.add(
          client.stream(req(relay, true, 2, plan.holdMillis()), 2, Long.MAX_VALUE, null, open));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(plan.holdMillis() - 500L);
    while (open.now() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    int held = open.now();
    long bHeap1 = Memory.heapUsedKb(brokerPid, true);
    long cHeap1 = Memory.heapUsedKb(connector.pid(), true);
    long bRss1 = Memory.settledRssKb(brokerPid);
    long cRss1 = Memory.settledRssKb(connector.pid());
    int errors = 0;
    String firstError = null;
    for (CompletableFuture<StreamResult> s : streams) {
      StreamResult r = s.get(plan.holdMillis() + 120_000L, TimeUnit.MILLISECONDS);
      if (r.error() != null) {
        errors++;
        firstError = firstError == null ? r.error() : firstError;
      }
    }
    if (errors > 0) {
      results.notes.add("held streams: " + errors + " of " + n + " failed, first: " + firstError);
    }
    String note = held + " streams open at once";
    if (held == 0) {
      throw new IllegalStateException("no held stream showed its first chunk: " + firstError);
    }
    results.add(
        new Figure(
            "broker_rss_per_stream",
            "broker RSS per open stream (after full GC)",
            "KB",
            null,
            (double) (bRss1 - bRss0) / held,
            Compare.NONE,
            null,
            null,
            note));
    results.add(
        new Figure(
            "broker_heap_per_stream",
            "broker heap per open stream (after full GC)",
            "KB",
            null,
            (double) (bHeap1 - bHeap0) / held,
            Compare.NONE,
            null,
            null,
            note));
    results.add(
        new Figure(
            "connector_rss_per_stream",
            "connector RSS per open stream (after full GC)",
            "KB",
            null,
            (double) (cRss1 - cRss0) / held,
            Compare.NONE,
            null,
            null,
            note));
    results.add(
        new Figure(
            "connector_heap_per_stream",
            "connector heap per open stream (after full GC)",
            "KB",
            null,
            (double) (cHeap1 - cHeap0) / held,
            Compare.NONE,
            null,
            null,
            note));
  }

  /** Ramps paced streams up to the plan's largest step, direct then relay at each step. */
  private void ramp(LoadClient client) throws Exception {
    int[] best = new int[2];
    int[] peaks = new int[2];
    boolean[] stopped = new boolean[2];
    String[] failures = new String[2];
    URI[] targets = {direct, relay};
    for (int n : plan.ramp()) {
      for (int i = 0; i < 2; i++) {
        if (stopped[i]) {
          continue;
        }
        phase("ramp " + (i == 0 ? "direct" : "relay") + " " + n + " paced streams");
        URI target = targets[i];
        Gauge open = new Gauge();
        AtomicBoolean sampling = i == 1 ? sampleRss() : new AtomicBoolean();
        List<CompletableFuture<StreamResult>> streams = new ArrayList<>(n);
        long start = System.nanoTime();
        // Launched over about half a second (a burst of new connections, not one instant).
        for (int k = 0; k < n; k++) {
          streams.add(client.stream(req(target, true, 50, 20), 50, Long.MAX_VALUE, null, open));
          long due = start + TimeUnit.MILLISECONDS.toNanos(500) * (k + 1) / n;
          long wait = due - System.nanoTime();
          if (wait > 1_000_000) {
            Thread.sleep(wait / 1_000_000);
          }
        }
        if (i == 1 && n == plan.ramp()[plan.ramp().length - 1]) {
          brokerHeapLoad.add(Memory.heapUsedKb(brokerPid, false));
          connectorHeapLoad.add(Memory.heapUsedKb(connector.pid(), false));
          nativeMemory("peak");
        }
        int errors = 0;
        String firstError = null;
        List<Long> durations = new ArrayList<>();
        List<Long> firsts = new ArrayList<>();
        for (CompletableFuture<StreamResult> s : streams) {
          StreamResult r;
          try {
            r = s.get(300, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            r = new StreamResult(-1, -1, 0, "no end within 300 s");
          }
          if (r.error() != null) {
            errors++;
            firstError = firstError == null ? r.error() : firstError;
          } else {
            durations.add(r.totalNanos());
            firsts.add(r.firstChunkNanos());
          }
        }
        sampling.set(false);
        long[] d = durations.stream().mapToLong(Long::longValue).toArray();
        long[] f = firsts.stream().mapToLong(Long::longValue).toArray();
        String line =
            String.format(
                "ramp %s n=%d: errors=%d, peak open at once=%d, first chunk p50=%.0f ms"
                    + " p99=%.0f ms, stream duration p50=%.0f ms p99=%.0f ms (paced: 1000 ms)%s",
                i == 0 ? "direct" : "relay",
                n,
                errors,
                open.peak(),
                ms(pct(f, 50)),
                ms(pct(f, 99)),
                ms(pct(d, 50)),
                ms(pct(d, 99)),
                firstError == null ? "" : ", first error: " + firstError);
        LOG.log(System.Logger.Level.INFO, line);
        results.notes.add(line);
        if (errors == 0) {
          best[i] = n;
          peaks[i] = Math.max(peaks[i], open.peak());
        } else {
          stopped[i] = true;
          failures[i] = errors + " errors at " + n + ": " + firstError;
        }
      }
    }
    int top = plan.ramp()[plan.ramp().length - 1];
    // Counted as carried only when open at the same time: a relay that finishes all N streams
    // but starts the last ones after the first have ended has not carried N at once.
    String note =
        "largest step with 0 errors: direct "
            + best[0]
            + ", relay "
            + best[1]
            + (failures[1] != null ? "; relay " + failures[1] : "")
            + (failures[0] != null ? "; direct " + failures[0] : "");
    results.add(
        new Figure(
            "max_streams",
            "paced streams open at once, 0 errors, every chunk once in order (ramp to " + top + ")",
            "streams",
            (double) peaks[0],
            (double) peaks[1],
            Compare.RATIO,
            "2,000, 0 errors",
            (x, y) -> y >= 2000,
            note));
  }

  // ------------------------------------------------------------------------------------- memory

  private void idleMemory(String when) throws InterruptedException {
    Thread.sleep(1000);
    long bRss = Memory.rssKb(brokerPid);
    long cRss = Memory.rssKb(connector.pid());
    long bHeap = Memory.heapUsedKb(brokerPid, false);
    long cHeap = Memory.heapUsedKb(connector.pid(), false);
    String suffix = when.equals("idle") ? "" : "_after";
    String note =
        when.equals("idle") ? "after start-up, before any load" : "after the load, no forced GC";
    results.add(
        new Figure(
            "connector_rss_idle" + suffix,
            "connector RSS " + when,
            "MB",
            null,
            mb(cRss),
            Compare.NONE,
            suffix.isEmpty() ? "≤ 64 MB" : null,
            suffix.isEmpty() ? (x, y) -> y <= 64 : null,
            note));
    results.add(
        new Figure(
            "connector_heap_idle" + suffix,
            "connector heap used " + when,
            "MB",
            null,
            mb(cHeap),
            Compare.NONE,
            null,
            null,
            note));
    results.add(
        new Figure(
            "broker_rss_idle" + suffix,
            "broker RSS " + when,
            "MB",
            null,
            mb(bRss),
            Compare.NONE,
            null,
            null,
            note));
    results.add(
        new Figure(
            "broker_heap_idle" + suffix,
            "broker heap used " + when,
            "MB",
            null,
            mb(bHeap),
            Compare.NONE,
            null,
            null,
            note));
  }

  private void loadMemory() {
    String note =
        "peak RSS sampled every 100 ms in the relay phases; heap at c=64 and at the ramp's top";
    results.add(
        new Figure(
            "connector_rss_load",
            "connector RSS under load (peak)",
            "MB",
            null,
            mb(connectorRssPeak.get()),
            Compare.NONE,
            null,
            null,
            note));
    results.add(
        new Figure(
            "connector_heap_load",
            "connector heap used under load (max sample)",
            "MB",
            null,
            mb(max(connectorHeapLoad)),
            Compare.NONE,
            null,
            null,
            null));
    results.add(
        new Figure(
            "broker_rss_load",
            "broker RSS under load (peak)",
            "MB",
            null,
            mb(brokerRssPeak.get()),
            Compare.NONE,
            null,
            null,
            note));
    results.add(
        new Figure(
            "broker_heap_load",
            "broker heap used under load (max sample)",
            "MB",
            null,
            mb(max(brokerHeapLoad)),
            Compare.NONE,
            null,
            null,
            null));
  }

  /**
   * Whether memory idles back after the load (issue 17): RSS every 5 s for {@code seconds}, nothing
   * forced; the broker's periodic G1 collection (10 s by its launcher's default) is due meanwhile.
   */
  private void idlingBack(int seconds) throws InterruptedException {
    long[] last = new long[2];
    long[] least = {Long.MAX_VALUE, Long.MAX_VALUE};
    for (int s = 5; s <= seconds; s += 5) {
      Thread.sleep(5000);
      last[0] = Memory.rssKb(brokerPid);
      last[1] = Memory.rssKb(connector.pid());
      System.out.printf(
          "after the load +%d s: broker RSS %.1f MB, connector RSS %.1f MB%n",
          s, last[0] / 1024.0, last[1] / 1024.0);
      least[0] = Math.min(least[0], last[0]);
      least[1] = Math.min(least[1], last[1]);
    }
    String note = "RSS sampled every 5 s after the load, nothing forced; the lowest sample in ()";
    for (int i = 0; i < 2; i++) {
      String who = i == 0 ? "broker" : "connector";
      results.add(
          new Figure(
              who + "_rss_idle_back",
              String.format(
                  "%s RSS %d s after the load (lowest %.0f MB)", who, seconds, mb(least[i])),
              "MB",
              null,
              mb(last[i]),
              Compare.NONE,
              null,
              null,
              note));
    }
  }

  /**
   * With {@code -XX:NativeMemoryTracking} among a JVM's options, writes its {@code jcmd
   * VM.native_memory summary}, RSS and thread count to nmt-(broker|connector)-WHEN.txt: what the
   * JVM accounts for, to set against RSS (the gap is malloc arenas and what NMT does not see).
   */
  private void nativeMemory(String when) {
    String[] who = {"broker", "connector"};
    String[] opts = {options.brokerJavaOpts(), options.connectorJavaOpts()};
    long[] pids = {brokerPid, connector.pid()};
    for (int i = 0; i < 2; i++) {
      if (opts[i] != null && opts[i].contains("-XX:NativeMemoryTracking")) {
        Path file = options.out().resolve("nmt-" + who[i] + "-" + when + ".txt");
        try {
          Files.writeString(file, Memory.nativeMemory(pids[i]));
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "could not write " + file + ": " + e);
        }
      }
    }
  }

  /** Samples broker and connector RSS every 100 ms until the returned flag is cleared. */
  private AtomicBoolean sampleRss() {
    AtomicBoolean on = new AtomicBoolean(true);
    Thread t =
        new Thread(
            () -> {
              while (on.get()) {
                brokerRssPeak.accumulateAndGet(Memory.rssKb(brokerPid), Math::max);
                connectorRssPeak.accumulateAndGet(Memory.rssKb(connector.pid()), Math::max);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-rss");
    t.setDaemon(true);
    t.start();
    return on;
  }

  private void sampleHeapLater(long delayMillis) {
    Thread t =
        new Thread(
            () -> {
              try {
                Thread.sleep(delayMillis);
              } catch (InterruptedException e) {
                return;
              }
              brokerHeapLoad.add(Memory.heapUsedKb(brokerPid, false));
              connectorHeapLoad.add(Memory.heapUsedKb(connector.pid(), false));
            },
            "bench-heap");
    t.setDaemon(true);
    t.start();
  }

  // ------------------------------------------------------------------------------------ helpers

  /**
   * The stream's result once it ended, within {@link #STREAM_END} seconds: a stream that never ends
   * (a hang on the path measured) stops the run with that said, rather than hold it, and the
   * machine's bench lock, forever.
   */
  private static StreamResult orThrow(CompletableFuture<StreamResult> stream) throws Exception {
    try {
      return orThrow(stream.get(STREAM_END, TimeUnit.SECONDS));
    } catch (TimeoutException e) {
      stream.cancel(true);
      throw new IllegalStateException("a stream did not end within " + STREAM_END + " s", e);
    }
  }

  private static StreamResult orThrow(StreamResult r) {
    if (r.error() != null) {
      throw new IllegalStateException("stream failed: " + r.error());
    }
    return r;
  }

  private void check(String what, Rate rate) {
    if (rate.errors() > 0) {
      String line = what + ": " + rate.errors() + " errors, first: " + rate.firstError();
      LOG.log(System.Logger.Level.WARNING, line);
      results.notes.add(line);
    }
  }

  private static void phase(String name) {
    LOG.log(System.Logger.Level.INFO, "phase: {0}", name);
  }

  static long pct(long[] samples, double p) {
    if (samples.length == 0) {
      return -1;
    }
    long[] s = samples.clone();
    Arrays.sort(s);
    int idx = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, idx))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static Double mb(long kb) {
    return kb < 0 ? null : kb / 1024.0;
  }

  private static long max(List<Long> values) {
    synchronized (values) {
      return values.stream().mapToLong(Long::longValue).max().orElse(-1);
    }
  }

  private void writeSamples(String name, long[] direct, long[] relay) throws IOException {
    StringBuilder out = new StringBuilder("i,direct_ns,relay_ns\n");
    for (int i = 0; i < direct.length; i++) {
      out.append(i).append(',').append(direct[i]).append(',').append(relay[i]).append('\n');
    }
    Files.writeString(options.out().resolve(name), out);
  }

  private void info() {
    results.info.put(
        "mode", options.quick() ? "quick" : options.memory() ? "memory phases" : "full");
    results.info.put("started", Instant.now().toString());
    results.info.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
    results.info.put("memory", memTotal());
    results.info.put(
        "java",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    results.info.put("load average at start", loadAverage());
    results.info.put(
        "commit", command(options.root(), "git", "rev-parse", "--short", "HEAD").trim());
    // Others work in the same tree: say whether the product built here had uncommitted changes.
    String dirty =
        command(
                options.root(),
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "broker-war",
                "connector-app",
                "common",
                "test-support",
                "server-config",
                "bin")
            .trim();
    results.info.put(
        "uncommitted product changes", dirty.isEmpty() ? "none" : dirty.replace('\n', ';'));
  }

  private static String memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException e) {
      // not Linux: say so below
    }
    return "unknown";
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String command(Path dir, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private void write() throws IOException {
    results.writeAll(options.out());
    Path png = options.out().resolve("benchmarks.png");
    Chart.write(
        results,
        List.of(
            "nonstream_c1_p50",
            "nonstream_c1_p99",
            "stream_c1_ttfc_p50",
            "stream_c1_total_p50",
            "paced_ttfc_p50",
            "paced_ttfc_p99"),
        List.of("nonstream_c16_rps", "nonstream_c64_rps", "stream_c16_chunks", "max_streams"),
        Arrays.asList(0.5, null, 0.8, 1.0),
        "RemoteLLM relay vs direct ("
            + (options.quick() ? "quick" : "full")
            + " run, "
            + results.info.get("nproc")
            + " cores, "
            + results.info.get("started")
            + ")",
        png);
    if (options.docs()) {
      Files.copy(
          png, options.root().resolve("docs/benchmarks.png"), StandardCopyOption.REPLACE_EXISTING);
    }
    LOG.log(System.Logger.Level.INFO, "wrote {0}", options.out());
  }
}
