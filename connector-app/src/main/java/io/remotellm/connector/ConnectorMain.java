package io.remotellm.connector;

import io.remotellm.connector.config.ConnectorCommandLine;
import io.remotellm.connector.logging.LoggingSetup;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * {@code java -jar remotellm-connector.jar [options]}: parses the command line, starts the
 * connector, and stops it gracefully on SIGTERM or Ctrl-C. Exit codes: 0 after --help or a clean
 * stop, 1 if it cannot start, 2 for a wrong command line.
 */
public final class ConnectorMain {
  private ConnectorMain() {}

  /** The JDK's system property for the common fork-join pool's parallelism. */
  static final String COMMON_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  public static void main(String[] args) throws InterruptedException {
    commonPoolOfTwo();
    LoggingSetup.installShutdownSafeManager();
    PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
    PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
    ConnectorCommandLine.Outcome outcome =
        ConnectorCommandLine.parse(args, System.getenv(), out, err);
    if (!outcome.run()) {
      System.exit(outcome.exitCode());
      return;
    }
    LoggingSetup.configure(outcome.config().logLevel());
    Connector connector;
    try {
      connector = Connector.start(outcome.config());
    } catch (StartupException e) {
      err.println("remotellm-connector: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(connector::shutdown, "connector-shutdown"));
    connector.awaitStopped();
  }

  /**
   * {@code HttpClient.sendAsync} hands every response's completion to {@code CompletableFuture}'s
   * default executor. On one or two cores the common pool's parallelism is 1, and that executor is
   * then a new thread per task: a thread started and ended for every request relayed (seen in
   * thread dumps of the connector on 2 cores; docs/benchmarks.md, issue 17). A parallelism of 2
   * makes it the common pool, whose threads are reused and end when idle. Must run before anything
   * touches the pool; an explicit {@code -D} setting is left alone.
   */
  static void commonPoolOfTwo() {
    if (System.getProperty(COMMON_PARALLELISM) == null
        && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty(COMMON_PARALLELISM, "2");
    }
  }
}
