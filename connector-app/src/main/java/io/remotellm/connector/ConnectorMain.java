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

  public static void main(String[] args) throws InterruptedException {
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
}
