package io.remotellm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * CPU time a process spent on a fixed amount of work, from {@code utime + stime} in {@code
 * /proc/<pid>/stat} read before and after. On a shared machine this is far steadier than wall-clock
 * rates (other processes delay our work but do not add to its CPU time), which is why issue 17
 * drives CPU per request. Hardware instruction counters ({@code perf stat -e instructions}) are not
 * available in this machine's VM, so this is the finest figure the harness has; its resolution is
 * one clock tick (10 ms), so a measured batch must cost seconds of CPU.
 */
final class CpuCost {

  /** USER_HZ: the unit of the times in /proc/<pid>/stat; 100 on every Linux architecture we run. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  /** CPU nanoseconds per process of one batch, in the order the pids were given. */
  record Batch(long operations, long[] cpuNanos) {
    double perOperation(int process, double unitNanos) {
      return cpuNanos[process] / (double) operations / unitNanos;
    }
  }

  private CpuCost() {}

  /** User plus system CPU time of {@code pid} so far, all threads, in nanoseconds. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may hold spaces: state is
      // field 3 of stat(5), utime 14 and stime 15, so 11 and 12 after the closing parenthesis.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
    }
  }

  /**
   * CPU time of the JVM's JIT compiler threads in {@code pid} so far, in nanoseconds. A phase in
   * which they still spend much was measured on a JVM that was still warming up: its CPU per
   * request and its latency include the compiler's work (on two cores, C2 takes half of one).
   */
  static long compilerNanos(long pid) {
    long total = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // a thread that ended between the listing and the read
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (name.contains("CompilerThre")) {
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read the threads of process " + pid, e);
    }
    return total;
  }

  /**
   * Runs {@code op} {@code perLoop} times on each of {@code concurrency} threads (each waits for
   * its own call before the next: a closed loop) and returns the CPU the given processes spent
   * meanwhile. Any failed operation fails the batch: a figure over failed requests would flatter.
   */
  static Batch measure(int concurrency, int perLoop, Callable<?> op, long... pids)
      throws InterruptedException {
    long[] before = new long[pids.length];
    for (int i = 0; i < pids.length; i++) {
      before[i] = cpuNanos(pids[i]);
    }
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < perLoop && failure.get() == null; i++) {
                  try {
                    op.call();
                  } catch (Exception e) {
                    failure.compareAndSet(null, e);
                  }
                }
              },
              "bench-cpu-" + t);
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    long[] spent = new long[pids.length];
    for (int i = 0; i < pids.length; i++) {
      spent[i] = cpuNanos(pids[i]) - before[i];
    }
    if (failure.get() != null) {
      throw new IllegalStateException("CPU batch failed", failure.get());
    }
    return new Batch((long) concurrency * perLoop, spent);
  }
}
