package io.remotellm.connector.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.security.cert.CertPathBuilderException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class TlsProblemTest {

  @Test
  void anUntrustedCertificateSaysWhatToPass() {
    SSLHandshakeException handshake =
        new SSLHandshakeException(
            "PKIX path building failed: unable to find valid certification path to requested target");
    handshake.initCause(new CertPathBuilderException("unable to find valid certification path"));
    String line = ConnectFailures.tlsProblem(new IOException("connect failed", handshake));
    assertThat(line)
        .startsWith("TLS: the broker's certificate is not trusted (PKIX path building failed)")
        .contains("--ca-cert")
        .doesNotContain("\n");
  }

  @Test
  void otherHandshakeFailuresAreTlsAndPlainNetworkErrorsAreNot() {
    assertThat(
            ConnectFailures.tlsProblem(
                new SSLHandshakeException("Received fatal alert: handshake_failure")))
        .startsWith("TLS: the handshake with the broker failed");
    assertThat(ConnectFailures.tlsProblem(new ConnectException("Connection refused"))).isNull();
  }
}
