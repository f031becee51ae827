package io.remotellm.connector;

import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Request;
import io.remotellm.testsupport.FakeLlm;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A profiling aid, not a test: the connector process alone under the bench's CPU phase load (c=4
 * non-streamed requests of 5 tokens, then streams of 100 events), with a scripted broker in this
 * JVM instead of Payara, so one connector change can be measured in a minute rather than a full
 * {@code bench/remotellm-bench} run. It prints the connector's CPU (utime + stime of {@code
 * /proc/<pid>/stat}) per request and per event, and its peak RSS. The figures of record come from
 * the benchmark (docs/benchmarks.md); this only says which way a change moves them.
 *
 * <p>Several connectors (jar and JVM options each) can be measured side by side, batch after batch
 * in turn, so load on a shared machine falls on all alike: {@code java -cp <test classpath>
 * io.remotellm.connector.ConnectorCpuDriver <requests> <streams> <rounds> <held streams>
 * name=<jar>::<JVM options, and NAME=value for environment variables> ...}
 */
public final class ConnectorCpuDriver {
  /**
   * Requests in flight at once: 4 as the bench's CPU phase ({@code -Dconnllm.concurrency=1} shows
   * what the connector pays when each request wakes it from idle).
   */
  private static final int CONCURRENCY = Integer.getInteger("connllm.concurrency", 4);

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /**
   * Tokens in a non-streamed answer (about 6 bytes each): 5 as the bench's, more to measure what a
   * long answer costs ({@code -Dconnllm.tokens=5000}: about 30 KB).
   */
  private static final int ANSWER_TOKENS = Integer.getInteger("connllm.tokens", 5);

  private final ScriptedBroker broker;
  private final AtomicInteger ids = new AtomicInteger();
  private final Object sendLock = new Object();

  private ConnectorCpuDriver(ScriptedBroker broker) {
    this.broker = broker;
  }

  /** One connector under test: its jar and JVM options, its process and scripted broker. */
  private record Variant(String name, Path jar, List<String> jvm) {}

  public static void main(String[] args) throws Exception {
    int requests = Integer.parseInt(args[0]);
    int streams = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int held = Integer.parseInt(args[3]);
    List<Variant> variants = new ArrayList<>();
    for (String spec : Arrays.asList(args).subList(4, args.length)) {
      // name=jar::jvm options (space-separated; NAME=value among them sets an environment variable)
      String[] nameRest = spec.split("=", 2);
      String[] jarOpts = nameRest[1].split("::", 2);
      List<String> jvm =
          jarOpts.length < 2 || jarOpts[1].isBlank()
              ? List.of()
              : Arrays.asList(jarOpts[1].trim().split("\\s+"));
      variants.add(new Variant(nameRest[0], Path.of(jarOpts[0]), jvm));
    }
    List<AutoCloseable> open = new ArrayList<>();
    List<Process> processes = new ArrayList<>();
    try (FakeLlm llm = FakeLlm.start()) {
      List<ConnectorCpuDriver> drivers = new ArrayList<>();
      for (Variant v : variants) {
        ScriptedBroker broker = new ScriptedBroker("t0ken-for-cpu-driver", 30);
        open.add(broker);
        // The broker's highest version: each connector is served in the highest it speaks, as the
        // broker would serve it (a version 3 connector sends binary messages, an older one text).
        broker.protocol = Frame.PROTOCOL_VERSION;
        broker.start();
        Process p = startConnector(v, llm, broker);
        processes.add(p);
        if (broker.awaitHello(TIMEOUT) == null) {
          throw new IllegalStateException("no hello from " + v.name());
        }
        drivers.add(new ConnectorCpuDriver(broker));
      }
      long[] peak = new long[variants.size()];
      Thread rss =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  for (int i = 0; i < peak.length; i++) {
                    peak[i] = Math.max(peak[i], rssKb(processes.get(i).pid()));
                  }
                  try {
                    Thread.sleep(100);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      rss.setDaemon(true);
      rss.start();
      for (int i = 0; i < variants.size(); i++) {
        System.out.printf(
            "%s: idle RSS %.1f MB%n",
            variants.get(i).name(), rssKb(processes.get(i).pid()) / 1024.0);
        // Warm-up as the bench's: 1,500 requests and 150 streams.
        drivers.get(i).run(1500, false);
        drivers.get(i).run(150, true);
      }
      long[] requestTicks = new long[variants.size()];
      long[] eventTicks = new long[variants.size()];
      for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < variants.size(); i++) {
          long pid = processes.get(i).pid();
          long before = cpuTicks(pid);
          long sleepsBefore = sleeps(pid);
          drivers.get(i).run(requests, false);
          long mid = cpuTicks(pid);
          long sleepsMid = sleeps(pid);
          drivers.get(i).run(streams, true);
          long after = cpuTicks(pid);
          requestTicks[i] += mid - before;
          eventTicks[i] += after - mid;
          System.out.printf(
              "round %d %s: %.3f ms CPU per request (%.1f thread sleeps per request),"
                  + " %.1f us per SSE event%n",
              round,
              variants.get(i).name(),
              (mid - before) * 10.0 / requests,
              (sleepsMid - sleepsBefore) / (double) requests,
              (after - mid) * 10_000.0 / (streams * 100.0));
        }
      }
      // Memory under many open streams, as the bench's ramp: paced streams held at once; for a
      // connector started with -XX:NativeMemoryTracking, what its memory is, read at the top.
      long[] heldPeak = new long[variants.size()];
      for (int i = 0; i < variants.size(); i++) {
        long pid = processes.get(i).pid();
        long[] top = {0};
        Thread sample =
            new Thread(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    top[0] = Math.max(top[0], rssKb(pid));
                    try {
                      Thread.sleep(50);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
        sample.setDaemon(true);
        sample.start();
        boolean nmt = variants.get(i).jvm().stream().anyMatch(o -> o.contains("NativeMemory"));
        drivers.get(i).hold(held, nmt ? pid : -1, variants.get(i).name());
        sample.interrupt();
        heldPeak[i] = top[0];
      }
      rss.interrupt();
      for (int i = 0; i < variants.size(); i++) {
        System.out.printf(
            "%s: peak RSS with %d paced streams open at once: %.1f MB%n",
            variants.get(i).name(), held, heldPeak[i] / 1024.0);
      }
      for (int i = 0; i < variants.size(); i++) {
        System.out.printf(
            "%s: %.3f ms CPU per request, %.1f us per SSE event (%d rounds);"
                + " RSS now %.1f MB, peak %.1f MB; %d of %d messages binary%n",
            variants.get(i).name(),
            requestTicks[i] * 10.0 / (requests * rounds),
            eventTicks[i] * 10_000.0 / (streams * 100.0 * rounds),
            rounds,
            rssKb(processes.get(i).pid()) / 1024.0,
            peak[i] / 1024.0,
            drivers.get(i).broker.binaryMessages.get(),
            drivers.get(i).broker.messages.size());
      }
    } finally {
      for (Process p : processes) {
        p.destroy();
        p.waitFor();
      }
      for (AutoCloseable c : open) {
        c.close();
      }
    }
  }

  private static Process startConnector(Variant v, FakeLlm llm, ScriptedBroker broker)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // NAME=value among the options is an environment variable (MALLOC_ARENA_MAX=2), not a JVM
    // option.
    List<String> env = v.jvm().stream().filter(o -> o.matches("[A-Z_][A-Z0-9_]*=.*")).toList();
    command.addAll(v.jvm().stream().filter(o -> !env.contains(o)).toList());
    command.addAll(
        List.of(
            "-jar",
            v.jar().toString(),
            "--llm-url",
            llm.baseUrl().toString(),
            "--broker-url",
            broker.url().toString(),
            "--model",
            "fake-model",
            "--llm-connections",
            "100000",
            "--health-port",
            Integer.toString(freePort())));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("REMOTELLM_BROKER_TOKEN", "t0ken-for-cpu-driver");
    for (String e : env) {
      pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
    }
    Path log = Files.createTempFile("connector-cpu-driver-" + v.name(), ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    System.out.println(v.name() + ": " + command + " log " + log);
    return pb.start();
  }

  /** {@code count} requests (or streams of 100 events) at CONCURRENCY, each checked to end well. */
  private void run(int count, boolean stream) throws Exception {
    AtomicInteger left = new AtomicInteger(count);
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> loops = new ArrayList<>();
    for (int i = 0; i < CONCURRENCY; i++) {
      loops.add(
          pool.submit(
              () -> {
                while (left.getAndDecrement() > 0) {
                  one(stream);
                }
                return null;
              }));
    }
    for (Future<?> f : loops) {
      f.get();
    }
    pool.shutdown();
  }

  /**
   * {@code count} streams of 50 events 20 ms apart, all sent at once, then each awaited and
   * checked; with {@code nmtPid} > 0, the connector's native memory summary is printed at the top.
   */
  private void hold(int count, long nmtPid, String name) throws Exception {
    if (nmtPid > 0) {
      jcmd(nmtPid, "VM.native_memory baseline");
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(send(true, 50, 20));
    }
    if (nmtPid > 0) {
      // Twice while the streams are open (they last a second or more each), then what is in the
      // heap: GC.class_histogram collects first, so its figures are the streams' live objects.
      for (int sample = 0; sample < 2; sample++) {
        Thread.sleep(500);
        System.out.printf(
            "== %s: %d streams sent, %d ms on: RSS %.1f MB, %d threads ==%n",
            name, count, 500 * (sample + 1), rssKb(nmtPid) / 1024.0, threads(nmtPid));
        System.out.println(jcmd(nmtPid, "VM.native_memory summary.diff"));
        System.out.println(jcmd(nmtPid, "GC.heap_info"));
      }
      String histogram = jcmd(nmtPid, "GC.class_histogram");
      System.out.println(String.join("\n", histogram.lines().limit(60).toList()));
      System.out.printf(
          "== %s: RSS after the histogram's collection %.1f MB ==%n", name, rssKb(nmtPid) / 1024.0);
    }
    for (String id : ids) {
      check(id);
    }
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    List<String> line = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
    line.addAll(Arrays.asList(command.split(" ")));
    Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return "== jcmd " + command + " ==\n" + text;
  }

  private void one(boolean stream) throws Exception {
    check(send(stream, stream ? 100 : ANSWER_TOKENS, 0));
  }

  private String send(boolean stream, int chunks, int delayMs) throws Exception {
    String id = "r" + ids.incrementAndGet();
    String body =
        "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
            + "\"stream\":"
            + stream
            + ",\"fake_llm\":{\"chunks\":"
            + chunks
            + ",\"chunk_delay_ms\":"
            + delayMs
            + "}}";
    Request request =
        new Request(
            id,
            "POST",
            "/v1/chat/completions",
            Map.of("x-request-id", id, "content-type", "application/json"),
            body,
            stream,
            "openai");
    synchronized (sendLock) {
      broker.send(request);
    }
    return id;
  }

  private void check(String id) throws Exception {
    List<Frame> frames = broker.awaitAnswer(id, TIMEOUT);
    Frame last = frames.get(frames.size() - 1);
    if (!(last instanceof End) || last instanceof Failure) {
      throw new IllegalStateException("request " + id + " ended with " + last);
    }
  }

  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /**
   * The voluntary context switches of the process's live threads: each is a thread going to sleep
   * for want of work, so a hand-off that wakes another thread shows here (threads that ended
   * meanwhile are not counted).
   */
  private static long sleeps(long pid) throws IOException {
    long sum = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        try {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
          }
        } catch (IOException ended) {
          // The thread ended between the listing and the read.
        }
      }
    }
    return sum;
  }

  private static long threads(long pid) throws IOException {
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      return tasks.count();
    }
  }

  private static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      // The process ended: no figure.
    }
    return 0;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
