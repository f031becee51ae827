package io.remotellm.connector.connection;

import java.util.Locale;

/** Where the link to the broker stands, as {@code /health} reports it in {@code relay_state}. */
public enum RelayState {
  /** Dialling, or waiting for {@code welcome}. */
  CONNECTING,
  /** Welcomed: requests may come. */
  CONNECTED,
  /** Lost or refused; waiting out the backoff before the next attempt. */
  RECONNECTING,
  /** Shut down on purpose. */
  STOPPED;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
