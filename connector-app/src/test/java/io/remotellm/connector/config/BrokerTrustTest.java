package io.remotellm.connector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerTrustTest {

  @TempDir Path dir;

  static Path twoCas() {
    try {
      return Path.of(BrokerTrustTest.class.getResource("/tls/two-cas.pem").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void readsEveryCertificateOfAPemBundleAndIgnoresTheTextAround() throws Exception {
    List<Certificate> certificates = BrokerTrust.readPem(twoCas());
    assertThat(certificates).hasSize(2);
    BrokerTrust trust = BrokerTrust.load(List.of(twoCas()), null, null);
    assertThat(trust.source()).contains("two-cas.pem").contains("2 certificates");
    assertThat(trust.context().getProtocol()).isEqualTo("TLS");
  }

  @Test
  void aFileWithoutCertificatesOrMissingIsAOneLineError() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
    assertThatThrownBy(() -> BrokerTrust.load(List.of(empty), null, null))
        .isInstanceOf(BrokerTrust.TrustException.class)
        .hasMessageContaining("no PEM certificate")
        .hasMessageNotContaining("\n");
    Path broken =
        Files.writeString(
            dir.resolve("broken.pem"),
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assertThatThrownBy(() -> BrokerTrust.load(List.of(broken), null, null))
        .isInstanceOf(BrokerTrust.TrustException.class)
        .hasMessageContaining("cannot be read");
    assertThatThrownBy(() -> BrokerTrust.load(List.of(dir.resolve("nope.pem")), null, null))
        .isInstanceOf(BrokerTrust.TrustException.class)
        .hasMessageContaining("cannot read --ca-cert");
  }

  @Test
  void readsATruststoreAndSaysSoWhenThePasswordIsWrong() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    List<Certificate> certificates = BrokerTrust.readPem(twoCas());
    store.setCertificateEntry("a", certificates.get(0));
    Path file = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, "store-pass".toCharArray());
    }
    BrokerTrust trust = BrokerTrust.load(List.of(), file, "store-pass".toCharArray());
    assertThat(trust.source()).contains("truststore").contains("1 entries");
    BrokerTrust both = BrokerTrust.load(List.of(twoCas()), file, "store-pass".toCharArray());
    assertThat(both.source()).contains("truststore").contains("ca-cert");
    assertThatThrownBy(() -> BrokerTrust.load(List.of(), file, "wrong".toCharArray()))
        .isInstanceOf(BrokerTrust.TrustException.class)
        .hasMessageContaining("wrong --truststore-password");
  }
}
