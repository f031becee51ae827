package io.remotellm.connector.connection;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import io.remotellm.protocol.Fingerprint;
import java.net.ConnectException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/** Why a dial to the broker or its socket failed, in one line an operator can act on. */
final class ConnectFailures {

  // The relay client's logger: these lines are its story, and operators filter on it.
  private static final Logger LOG = Logger.getLogger(RelayClient.class.getName());

  private ConnectFailures() {}

  /** Logs why dialling {@code brokerUrl} failed with {@code e}: refused token, TLS, down... */
  static void explain(Throwable e, URI brokerUrl, String token) {
    int status = UpgradeRefusal.status(e);
    String tls = tlsProblem(e);
    if (tls != null) {
      log(LOG, Level.WARNING, "{0}; retrying", of("reason", tls), of("broker_url", brokerUrl));
    } else if (status == 401 || status == 403) {
      log(
          LOG,
          Level.WARNING,
          "the broker refused the token of this connector (HTTP {0}); check --broker-token;"
              + " retrying",
          of("status", status),
          of("token_fp", Fingerprint.of(token)),
          of("broker_url", brokerUrl));
    } else if (status == 429) {
      log(
          LOG,
          Level.WARNING,
          "the broker is holding off logins from this address after failed ones (HTTP 429);"
              + " retrying",
          of("status", status),
          of("broker_url", brokerUrl));
    } else if (status == 503) {
      log(
          LOG,
          Level.WARNING,
          "the broker is not taking connectors now, e.g. shutting down (HTTP 503); retrying",
          of("status", status),
          of("broker_url", brokerUrl));
    } else {
      log(
          LOG,
          Level.WARNING,
          "cannot reach the broker: {0}",
          of("reason", describe(e)),
          of("broker_url", brokerUrl));
    }
  }

  /**
   * One line for an operator when the connection failed on TLS (the usual cause: a self-signed or
   * private-CA certificate and no {@code --ca-cert}), else null.
   */
  static String tlsProblem(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof CertPathBuilderException
          || message.contains("PKIX path building failed")
          || message.contains("unable to find valid certification path")) {
        return "TLS: the broker's certificate is not trusted (PKIX path building failed);"
            + " pass --ca-cert (or --truststore) with the CA that signed it";
      }
      if (t instanceof CertificateExpiredException
          || t instanceof CertificateNotYetValidException
          || message.contains("validity check failed")) {
        return "TLS: the broker's certificate is outside its validity period (" + message + ")";
      }
      if (message.contains("No subject alternative")
          || message.contains("No name matching")
          || message.contains("host name verification")
          || message.contains("HostnameVerifier")) {
        return "TLS: the broker's certificate does not name this host (" + message + ")";
      }
    }
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SSLException) {
        return "TLS: the handshake with the broker failed (" + describe(t) + ")";
      }
    }
    return null;
  }

  /**
   * The innermost cause, named with its message; the JDK client throws a failed connect as
   * message-less exceptions (a {@code ConnectException} over a {@code ClosedChannelException} or an
   * {@code UnresolvedAddressException}), so those say what they mean.
   */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    if (message == null && root instanceof UnresolvedAddressException) {
      message = "unknown host";
    } else if (message == null && root instanceof ClosedChannelException && refusedConnect(e)) {
      message = "connection refused or unreachable";
    }
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static boolean refusedConnect(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }
}
