package io.remotellm.st.portability;

import java.net.URI;
import java.nio.file.Path;

/** The broker WAR deployed on one application server, running as its own process. */
interface BrokerServer extends AutoCloseable {

  /** For messages: which server this is. */
  String name();

  /** The port of the API ({@code /v1}) and the relay socket ({@code /ws}). */
  int apiPort();

  /** MicroProfile Health's {@code /health}, wherever this server puts it. */
  URI health();

  /** The server's console output: what journald or a log shipper would get. */
  Path log();

  boolean isAlive();

  /** Stops the server; whatever does not stop in time is killed. */
  @Override
  void close();

  /** What a deployment is given: the WAR and the broker settings an operator would set. */
  record Deployment(Path war, Path connectorConfig, String userApiKey) {}
}
