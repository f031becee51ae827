package io.remotellm.payaramicro;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker JVM's memory defaults, put on Payara Micro's command line before {@code JAVA_OPTS}
 * (the JVM takes the last of a repeated option, so {@code JAVA_OPTS} overrides each of them).
 * Chosen by measurement (docs/benchmarks.md, "Issue 17: memory"):
 *
 * <ul>
 *   <li>{@code -Xmx384m}, only when {@code JAVA_OPTS} does not size the heap itself ({@code -Xmx},
 *       {@code -XX:MaxHeapSize} or an {@code -XX:} option about RAM, as the Kubernetes manifest's
 *       {@code MaxRAMPercentage}): a heap size there must mean what it says, and {@code -Xmx} would
 *       silently beat a percentage. Without a bound G1 sizes the heap from the machine's memory (a
 *       quarter of it) and, under the benchmark, grew the broker to 0.6-1 GB of heap and 853-955 MB
 *       of RSS. The broker's live data is about 65-150 MB plus about 40 KB per open stream.
 *   <li>A periodic G1 collection after 10 s without one, and heap free ratios of 10-30 %: the
 *       periodic collection's remark returns committed heap above 30 % free to the OS. With G1's
 *       default of 70 % it returned nothing (125 MB live of 384 MB committed is 67 % free). Not
 *       when {@code JAVA_OPTS} picks another collector ({@code -XX:+UseSerialGC}, as the system
 *       tests do): there the ratios resize the old generation at every full collection.
 *   <li>{@code -XX:TrimNativeHeapInterval=5000}: glibc keeps memory the JVM freed (compiler arenas,
 *       G1's remembered sets) in its arenas; trimming every 5 s gives it back. Only on Linux and
 *       where the JVM knows the option (17.0.15 does; an update without it would refuse to start).
 * </ul>
 */
final class JvmMemoryOptions {

  static final String HEAP_BOUND = "-Xmx384m";

  static final List<String> IDLE_BACK =
      List.of(
          "-XX:G1PeriodicGCInterval=10000", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30");

  static final String TRIM_NATIVE_HEAP = "-XX:TrimNativeHeapInterval=5000";

  private JvmMemoryOptions() {}

  /**
   * The defaults to put before {@code javaOpts}.
   *
   * @param canTrimNativeHeap whether the JVM that will run Payara Micro can trim glibc's heap
   */
  static List<String> before(List<String> javaOpts, boolean canTrimNativeHeap) {
    List<String> options = new ArrayList<>();
    if (javaOpts.stream().noneMatch(JvmMemoryOptions::sizesHeap)) {
      options.add(HEAP_BOUND);
    }
    // The free ratios are for G1's remark; under the serial collector they shrink the old
    // generation after every full collection, which then comes back sooner (measured on the
    // connector: a full collection every 0.2-0.4 s under load).
    if (javaOpts.stream().noneMatch(JvmMemoryOptions::picksAnotherCollector)) {
      options.addAll(IDLE_BACK);
    }
    if (canTrimNativeHeap) {
      options.add(TRIM_NATIVE_HEAP);
    }
    return options;
  }

  /**
   * Whether this JVM can trim the native heap: on Linux (glibc's {@code malloc_trim}; elsewhere the
   * JVM only warns) and if it knows the option. The launcher runs on the same {@code java} as
   * Payara Micro (bin/remotellm-broker and the command both take JAVA_HOME's, else the PATH's).
   */
  static boolean canTrimNativeHeap() {
    return System.getProperty("os.name", "").startsWith("Linux")
        && thisJvmKnows("TrimNativeHeapInterval");
  }

  /** Whether this JVM knows a {@code -XX:} option by name. */
  static boolean thisJvmKnows(String option) {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return vm != null && vm.getVMOption(option) != null;
    } catch (IllegalArgumentException | LinkageError e) {
      // An update that does not have the option, or a JVM without HotSpot's management module.
      return false;
    }
  }

  private static boolean picksAnotherCollector(String option) {
    return option.startsWith("-XX:+Use") && option.endsWith("GC") && !option.equals("-XX:+UseG1GC");
  }

  private static boolean sizesHeap(String option) {
    return option.startsWith("-Xmx")
        || option.startsWith("-XX:MaxHeapSize")
        || (option.startsWith("-XX:") && option.contains("RAM"));
  }
}
