package io.remotellm.payaramicro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster flags (issue 15): one broker without them, Payara's TCP/IP clustering with them. */
class ClusterSettingsTest {

  @TempDir Path tmp;
  private Path secret;

  @BeforeEach
  void secretFile() throws Exception {
    secret = Files.writeString(tmp.resolve("cluster.secret"), "cluster-s3cret\n");
  }

  private static ClusterSettings resolve(Map<String, String> env, String... args)
      throws UsageException {
    BrokerLauncher flags = new BrokerLauncher();
    BrokerLauncher.parse(flags, args);
    return BrokerSettings.resolve(flags, env).cluster();
  }

  @Test
  void withoutAClusterNameTheBrokerRunsAloneWithoutHazelcast() throws Exception {
    ClusterSettings none = resolve(Map.of());
    assertThat(none.clustered()).isFalse();
    assertThat(none.payaraOptions()).containsExactly("--nohazelcast");
    assertThat(none.properties()).isEmpty();
  }

  @Test
  void aClusterBecomesPayarasTcpIpClusteringOnThePublicAddress() throws Exception {
    ClusterSettings c =
        resolve(
            Map.of(),
            "--cluster-name",
            "prod",
            "--cluster-member",
            "127.0.0.1:6901",
            "--cluster-member",
            "127.0.0.1:6902",
            "--cluster-port",
            "6901",
            "--public-url",
            "http://127.0.0.1:9001/",
            "--cluster-secret-file",
            secret.toString());
    assertThat(c.payaraOptions())
        .containsExactly(
            "--clustermode",
            "tcpip:127.0.0.1:6901,127.0.0.1:6902",
            "--clustername",
            "prod",
            "--startport",
            "6901",
            "--interfaces",
            "127.0.0.1");
    assertThat(c.properties())
        .containsEntry("remotellm.broker.cluster-name", "prod")
        .containsEntry("remotellm.broker.public-url", "http://127.0.0.1:9001")
        .containsEntry("remotellm.broker.cluster-secret-file", secret.toRealPath().toString());
  }

  @Test
  void variablesWorkLikeFlagsAndThePublicUrlDefaultsToAGivenHost() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("REMOTELLM_BROKER_CLUSTER_NAME", "prod");
    env.put("REMOTELLM_BROKER_CLUSTER_MEMBERS", "10.0.0.5:6900,10.0.0.6:6900");
    env.put("REMOTELLM_BROKER_CLUSTER_SECRET_FILE", secret.toString());
    ClusterSettings c = resolve(env, "--host", "10.0.0.5", "--port", "9000");
    assertThat(c.members()).containsExactly("10.0.0.5:6900", "10.0.0.6:6900");
    assertThat(c.port()).isEqualTo(6900);
    assertThat(c.publicUrl()).isEqualTo("http://10.0.0.5:9000");
  }

  @Test
  void badOrMissingClusterSettingsAreRefusedWithTheFlagNamed() {
    String file = secret.toString();
    assertRefused("need --cluster-name", "--cluster-member", "127.0.0.1:6900");
    assertRefused("at least one --cluster-member", "--cluster-name", "x");
    assertRefused(
        "--cluster-member must be HOST:PORT",
        "--cluster-name",
        "x",
        "--cluster-member",
        "127.0.0.1");
    assertRefused("--cluster-name may hold", "--cluster-name", "a b", "--cluster-member", "h:6900");
    assertRefused(
        "needs --public-url",
        "--cluster-name",
        "x",
        "--cluster-member",
        "h:6900",
        "--cluster-secret-file",
        file);
    assertRefused(
        "--public-url must be",
        "--cluster-name",
        "x",
        "--cluster-member",
        "h:6900",
        "--public-url",
        "ftp://h",
        "--cluster-secret-file",
        file);
    assertRefused(
        "needs --cluster-secret-file",
        "--cluster-name",
        "x",
        "--cluster-member",
        "h:6900",
        "--public-url",
        "http://h:1");
    assertRefused(
        "is not a readable file",
        "--cluster-name",
        "x",
        "--cluster-member",
        "h:6900",
        "--public-url",
        "http://h:1",
        "--cluster-secret-file",
        tmp.resolve("missing").toString());
  }

  private void assertRefused(String message, String... args) {
    assertThatThrownBy(() -> resolve(Map.of(), args))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining(message);
  }

  @Test
  void theLaunchedCommandClustersWithFastHeartbeatsAndNeverCarriesTheSecret() throws Exception {
    Path root = tmp.resolve("install");
    Path conf = Files.createDirectories(root.resolve("server-config/payara-micro"));
    try (var templates = Files.list(Path.of("../payara-micro"))) {
      for (Path template : templates.toList()) {
        Files.copy(template, conf.resolve(template.getFileName()));
      }
    }
    Path runDir = tmp.resolve("run").resolve(PayaraMicroRun.RUN_DIR_PREFIX + "1");
    Files.createDirectories(runDir.getParent());
    Map<String, String> env = new HashMap<>();
    env.put("REMOTELLM_LAUNCHER_ROOT", root.toString());
    env.put("REMOTELLM_LAUNCHER_RUN_DIR", runDir.toString());
    env.put("REMOTELLM_LAUNCHER_COMMAND_FILE", tmp.resolve("command").toString());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        BrokerLauncher.run(
            new String[] {
              "--cluster-name", "prod",
              "--cluster-member", "127.0.0.1:6900",
              "--public-url", "http://127.0.0.1:8443",
              "--cluster-secret-file", secret.toString()
            },
            env,
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(0);
    String text = Files.readString(tmp.resolve("command"), StandardCharsets.UTF_8);
    List<String> command = List.of(text.split("\0"));
    assertThat(command)
        .doesNotContain("--nohazelcast")
        .contains("--clustername", "-Dhazelcast.max.no.heartbeat.seconds=10");
    assertThat(text).doesNotContain("cluster-s3cret");
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("cluster 'prod'")
        .doesNotContain("cluster-s3cret");
    Properties loaded = new Properties();
    try (InputStream in = Files.newInputStream(runDir.resolve("secrets.properties"))) {
      loaded.load(in);
    }
    assertThat(loaded.getProperty("remotellm.broker.cluster-secret-file"))
        .isEqualTo(secret.toRealPath().toString());
    assertThat(Files.readString(runDir.resolve("secrets.properties")))
        .doesNotContain("cluster-s3cret");
  }
}
