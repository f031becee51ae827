package io.remotellm.st.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import io.remotellm.testsupport.Keytool;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS with a self-signed certificate made here (keytool): the broker serves HTTPS and WSS from a
 * PKCS12 keystore, a connector trusts it through --ca-cert, a client chats over HTTPS, and a
 * connector given another CA stays out with one clear line in its log. Without --ca-cert or
 * --truststore a connector trusts what its JVM trusts: one given a truststore with the broker's
 * certificate through {@code -Djavax.net.ssl.trustStore} (in REMOTELLM_CONNECTOR_JAVA_OPTS, as the
 * README says) connects, one left with the JDK's own CAs stays out with the same clear line.
 */
class TlsIT {

  private static final String MODEL = "tls-model";
  private static final String USER_KEY = "sk-tls-" + UUID.randomUUID();
  private static final String TOKEN = "ct-tls-" + UUID.randomUUID();
  private static final String STORE_PASSWORD = "pw-" + UUID.randomUUID();

  /** The line README.md promises when the broker's certificate is not trusted. */
  private static final String UNTRUSTED =
      "TLS: the broker's certificate is not trusted (PKIX path building failed); pass --ca-cert";

  private static Path dir;
  private static FakeLlm llm;
  private static int httpsPort;
  private static int goodHealth;
  private static int wrongHealth;
  private static int jvmTrustHealth;
  private static int jdkCasHealth;
  private static ProductProcess broker;
  private static ProductProcess connector;
  private static ProductProcess wrongCa;
  private static ProductProcess jvmTrust;
  private static ProductProcess jdkCas;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory(ProductProcess.logDir(), "tls");
    selfSigned("broker", dir.resolve("broker.p12"), dir.resolve("broker.pem"));
    selfSigned("other", dir.resolve("other.p12"), dir.resolve("other.pem"));
    Path passwordFile = dir.resolve("broker.p12.pass");
    Files.writeString(passwordFile, STORE_PASSWORD + "\n");
    Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));

    llm = FakeLlm.start();
    int port = FreePort.next();
    httpsPort = FreePort.next();
    goodHealth = FreePort.next();
    wrongHealth = FreePort.next();
    jvmTrustHealth = FreePort.next();
    jdkCasHealth = FreePort.next();
    Path jvmTrustStore = dir.resolve("jvm-trust.p12");
    Keytool.run(
        "-importcert",
        "-noprompt",
        "-alias",
        "broker",
        "-file",
        dir.resolve("broker.pem").toString(),
        "-keystore",
        jvmTrustStore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        STORE_PASSWORD);
    broker =
        ProductProcess.start(
            "tls-broker",
            "remotellm-broker",
            List.of(
                "--host", "127.0.0.1",
                "--port", String.valueOf(port),
                "--health-port", String.valueOf(FreePort.next()),
                "--https-port", String.valueOf(httpsPort),
                "--tls-keystore", dir.resolve("broker.p12").toString(),
                "--tls-keystore-password-file", passwordFile.toString()),
            Map.of(
                "REMOTELLM_BROKER_USER_API_KEYS",
                USER_KEY,
                "REMOTELLM_BROKER_CONNECTOR_TOKENS",
                TOKEN));
    ProductRun.awaitBroker(broker, port, USER_KEY);

    connector = connector("tls-connector", caCert(dir.resolve("broker.pem")), goodHealth, Map.of());
    wrongCa =
        connector(
            "tls-connector-wrong-ca", caCert(dir.resolve("other.pem")), wrongHealth, Map.of());
    // No trust option: the JVM's trust store decides. The variable replaces the launcher's JVM
    // options; a small heap keeps the test's processes small.
    jvmTrust =
        connector(
            "tls-connector-jvm-truststore",
            List.of(),
            jvmTrustHealth,
            Map.of(
                "REMOTELLM_CONNECTOR_JAVA_OPTS",
                "-XX:+UseSerialGC -Xmx64m -Djavax.net.ssl.trustStore="
                    + jvmTrustStore
                    + " -Djavax.net.ssl.trustStoreType=PKCS12"
                    + " -Djavax.net.ssl.trustStorePassword="
                    + STORE_PASSWORD));
    jdkCas = connector("tls-connector-jdk-cas", List.of(), jdkCasHealth, Map.of());
    ProductRun.awaitReady(connector, goodHealth, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    Stream.of(connector, wrongCa, jvmTrust, jdkCas, broker)
        .filter(p -> p != null)
        .forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
  }

  @Test
  void aClientChatsOverHttpsThroughAConnectorOnWss() throws Exception {
    llm.script(FakeLlm.Script.defaults().withChunks(4));
    HttpClient https =
        HttpClient.newBuilder().sslContext(trusting(dir.resolve("broker.pem"))).build();
    HttpResponse<String> response =
        https.send(
            HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + httpsPort + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + USER_KEY)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\""
                            + MODEL
                            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("tok0 tok1 tok2 tok3 ");
    assertThat(connector.output())
        .contains("\"broker_url\":\"wss://127.0.0.1:" + httpsPort + "/ws\"");
  }

  @Test
  void aConnectorWithAnotherCaStaysOutAndSaysWhy() {
    String expected = UNTRUSTED;
    Wait.until(
        "the wrong-CA connector to explain its failed TLS handshake",
        Duration.ofSeconds(60),
        () -> wrongCa.output().contains(expected));
    // It keeps trying (backoff), never registers, and prints no stack trace.
    Wait.until(
        "a second attempt of the wrong-CA connector",
        Duration.ofSeconds(30),
        () -> wrongCa.output().split(java.util.regex.Pattern.quote(expected), -1).length > 2);
    assertThat(wrongCa.isAlive()).isTrue();
    assertThat(
            ProductRun.status(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + wrongHealth + "/ready"))
                    .build()))
        .isEqualTo(503);
    assertThat(wrongCa.output())
        .doesNotContain("\tat ")
        .doesNotContain("registered with the broker");
  }

  @Test
  void withoutTrustOptionsAConnectorTrustsTheBrokerItsJvmTrusts() {
    ProductRun.awaitReady(jvmTrust, jvmTrustHealth, Duration.ofSeconds(60));
    assertThat(jvmTrust.output())
        .contains("\"broker_url\":\"wss://127.0.0.1:" + httpsPort + "/ws\"")
        .doesNotContain("TLS: ");
  }

  @Test
  void withoutTrustOptionsAConnectorRefusesABrokerTheJdksCasDoNotVouchFor() {
    Wait.until(
        "the connector on the JDK's CAs to explain its failed TLS handshake",
        Duration.ofSeconds(60),
        () -> jdkCas.output().contains(UNTRUSTED));
    assertThat(jdkCas.isAlive()).isTrue();
    assertThat(
            ProductRun.status(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + jdkCasHealth + "/ready"))
                    .build()))
        .isEqualTo(503);
    assertThat(jdkCas.output())
        .doesNotContain("\tat ")
        .doesNotContain("registered with the broker");
  }

  private static List<String> caCert(Path pem) {
    return List.of("--ca-cert", pem.toString());
  }

  private static ProductProcess connector(
      String name, List<String> trust, int healthPort, Map<String, String> env) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--llm-url", llm.baseUrl().toString()));
    args.addAll(List.of("--broker-url", "wss://127.0.0.1:" + httpsPort + "/ws"));
    args.addAll(trust);
    args.addAll(List.of("--health-port", String.valueOf(healthPort), "--model", MODEL));
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("REMOTELLM_BROKER_TOKEN", TOKEN);
    return ProductProcess.start(name, "remotellm-connector", args, all);
  }

  /** A PKCS12 keystore with a self-signed EC key for 127.0.0.1 and localhost, and its PEM cert. */
  private static void selfSigned(String alias, Path keystore, Path pem) throws Exception {
    Keytool.selfSigned(alias, keystore, STORE_PASSWORD);
    Keytool.exportPem(alias, keystore, STORE_PASSWORD, pem);
  }

  private static SSLContext trusting(Path pem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      store.setCertificateEntry(
          "broker", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
