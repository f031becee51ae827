package io.remotellm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory of another JVM, read from outside as an operator would: resident set size from {@code
 * /proc/<pid>/status} (VmRSS), Java heap in use from {@code jcmd <pid> GC.heap_info}, optionally
 * after {@code jcmd <pid> GC.run} so that garbage does not count as memory in use.
 */
final class Memory {

  /** A heap generation line: {@code def new generation total 2880K, used 1031K [...}. */
  private static final Pattern GENERATION = Pattern.compile("total (\\d+)K, used (\\d+)K");

  private Memory() {}

  /** Resident set size in KiB, or -1 if the process is gone. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // The process ended between two samples: report it as absent.
    }
    return -1;
  }

  /**
   * RSS in KiB once the JVM has given back the native memory it holds free ({@code jcmd
   * System.trim_native_heap}, where the JVM has it): taken before and after holding streams, both
   * readings start from the same state. Without the trim, the launchers' periodic trimming ({@code
   * -XX:TrimNativeHeapInterval}) could fall between the two and give back more than the streams
   * took: a quick run once read -95 KB per open stream.
   */
  static long settledRssKb(long pid) {
    jcmd(pid, "System.trim_native_heap");
    // G1 gives back the heap a collection shrank in the background, after the collection: wait
    // (at most 3 s) until RSS stops falling, so that happens before this reading, not after it.
    long rss = rssKb(pid);
    for (int i = 0; i < 15; i++) {
      sleep(200);
      long next = rssKb(pid);
      if (next >= rss - 512) {
        return next;
      }
      rss = next;
    }
    return rss;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Heap used in KiB (sum over the generations jcmd lists), or -1 if jcmd could not tell. */
  static long heapUsedKb(long pid, boolean collectFirst) {
    if (collectFirst) {
      jcmd(pid, "GC.run");
    }
    String out = jcmd(pid, "GC.heap_info");
    Matcher m = GENERATION.matcher(out);
    long used = 0;
    boolean found = false;
    while (m.find()) {
      used += Long.parseLong(m.group(2));
      found = true;
    }
    return found ? used : -1;
  }

  /** RSS, thread count and {@code jcmd <pid> VM.native_memory summary}, as one text. */
  static String nativeMemory(long pid) {
    StringBuilder out = new StringBuilder();
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:") || line.startsWith("Threads:")) {
          out.append(line).append('\n');
        }
      }
    } catch (IOException e) {
      out.append("process ").append(pid).append(" gone\n");
    }
    return out.append(jcmd(pid, "VM.native_memory summary")).toString();
  }

  private static String jcmd(long pid, String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p =
          new ProcessBuilder(List.of(jcmd.toString(), Long.toString(pid), command))
              .redirectErrorStream(true)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
