package io.remotellm.payaramicro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags, the seed's variables and the defaults, combined and checked as the seed documents. */
class BrokerSettingsTest {

  @TempDir Path tmp;

  private static BrokerSettings resolve(Map<String, String> env, String... args)
      throws UsageException {
    BrokerLauncher flags = new BrokerLauncher();
    BrokerLauncher.parse(flags, args);
    return BrokerSettings.resolve(flags, env);
  }

  @Test
  void defaultsAreTheSeeds() throws Exception {
    BrokerSettings s = resolve(Map.of());
    assertThat(s.host()).isEqualTo("0.0.0.0");
    assertThat(s.port()).isEqualTo(8443);
    assertThat(s.healthPort()).isEqualTo(8080);
    assertThat(s.logLevel()).isEqualTo("INFO");
    assertThat(s.connectorTokens()).isEmpty();
    assertThat(s.userApiKeys()).isEmpty();
    assertThat(s.connectorConfig()).isEmpty();
    assertThat(s.allowAnonymous()).isFalse();
    assertThat(s.tls()).isNull();
  }

  @Test
  void variablesApplyAndFlagsWinOverThem() throws Exception {
    Map<String, String> env =
        Map.of(
            "REMOTELLM_BROKER_HOST", "127.0.0.1",
            "REMOTELLM_BROKER_PORT", "9000",
            "REMOTELLM_BROKER_HEALTH_PORT", "9001",
            "REMOTELLM_BROKER_LOG_LEVEL", "debug",
            "REMOTELLM_BROKER_USER_API_KEYS", "k1,k2",
            "REMOTELLM_BROKER_CONNECTOR_TOKENS", "t1",
            "REMOTELLM_BROKER_ALLOW_ANONYMOUS", "Yes");
    BrokerSettings fromEnv = resolve(env);
    assertThat(fromEnv.host()).isEqualTo("127.0.0.1");
    assertThat(fromEnv.port()).isEqualTo(9000);
    assertThat(fromEnv.healthPort()).isEqualTo(9001);
    assertThat(fromEnv.logLevel()).isEqualTo("DEBUG");
    assertThat(fromEnv.userApiKeys()).containsExactly("k1", "k2");
    assertThat(fromEnv.connectorTokens()).containsExactly("t1");
    assertThat(fromEnv.allowAnonymous()).isTrue();

    BrokerSettings flags =
        resolve(env, "--port=9100", "--user-api-key", "a", "--user-api-key", "b", "--host", "::1");
    assertThat(flags.port()).isEqualTo(9100);
    assertThat(flags.host()).isEqualTo("::1");
    // A repeated flag replaces its variable's whole list.
    assertThat(flags.userApiKeys()).containsExactly("a", "b");
    assertThat(flags.connectorTokens()).containsExactly("t1");
  }

  @Test
  void adminKeysComeFromTheRepeatedFlagOrTheVariable() throws Exception {
    assertThat(resolve(Map.of("REMOTELLM_BROKER_ADMIN_KEYS", "a1,a2")).adminKeys())
        .containsExactly("a1", "a2");
    assertThat(
            resolve(
                    Map.of("REMOTELLM_BROKER_ADMIN_KEYS", "a1"),
                    "--admin-key",
                    "b1",
                    "--admin-key",
                    "b2")
                .adminKeys())
        .containsExactly("b1", "b2");
    assertThat(resolve(Map.of()).adminKeys()).isEmpty();
  }

  @Test
  void emptyVariablesMeanTheDefault() throws Exception {
    BrokerSettings s =
        resolve(Map.of("REMOTELLM_BROKER_PORT", "", "REMOTELLM_BROKER_ALLOW_ANONYMOUS", "no"));
    assertThat(s.port()).isEqualTo(8443);
    assertThat(s.allowAnonymous()).isFalse();
  }

  @Test
  void valuesKeepEveryOddCharacter() throws Exception {
    Path config = Files.writeString(tmp.resolve("conn #1 & 'q\".yaml"), "connectors: []\n");
    String key = "sk-a#b&c d'e\"f\\g$HOME`x`";
    BrokerSettings s =
        resolve(Map.of(), "--user-api-key", key, "--connector-config", config.toString());
    assertThat(s.userApiKeys()).containsExactly(key);
    assertThat(s.connectorConfig()).isEqualTo(config.toRealPath().toString());
  }

  @Test
  void badInputGetsTheScriptsMessages() {
    assertRefused("--port must be a port number", "--port", "80a");
    assertRefused("--health-port must be a port number", "--health-port", "70000");
    assertRefused("--port and --health-port must differ", "--port", "8080");
    assertRefused("--log-level must be DEBUG, INFO, WARNING or ERROR", "--log-level", "verbose");
    assertRefused("--port needs a value (see --help)", "--port");
    assertRefused("--host needs a value (see --help)", "--host", "");
    assertRefused("unknown option '--frobnicate' (see --help)", "--frobnicate");
    assertRefused("unknown option 'extra' (see --help)", "extra");
    assertRefused("--host must be a host name or address", "--host", "a b");
    assertRefused("tokens and keys must not contain line breaks", "--connector-token", "a\nb");
    assertRefused("a connector token may not contain a comma", "--connector-token", "a,b");
    assertRefused("is not a readable file", "--connector-config", tmp.resolve("none").toString());
    assertRefused("--tls-keystore needs --https-port", "--tls-keystore", "x.p12");
    assertRefused("--https-port needs --tls-keystore", "--https-port", "8444");
    assertRefused(
        "--https-port must differ from --port and --health-port",
        "--https-port",
        "8443",
        "--tls-keystore",
        "x.p12");
  }

  /**
   * The installers' modes check a machine being set up: files named need not exist yet, so they are
   * not read, but the env file names them (and the password file, without which the broker could
   * not start), absolute.
   */
  @Test
  void withoutFilesTlsIsCheckedAndWrittenButNothingIsRead() throws Exception {
    BrokerLauncher flags = new BrokerLauncher();
    BrokerLauncher.parse(
        flags,
        new String[] {
          "--https-port",
          "8444",
          "--tls-keystore",
          "/not/yet/key.p12",
          "--tls-keystore-password-file",
          "/not/yet/pass",
        });
    BrokerSettings s = BrokerSettings.resolve(flags, Map.of(), false);
    assertThat(s.tls().keystore()).isEqualTo(Path.of("/not/yet/key.p12"));
    assertThat(BrokerEnvFile.of(s))
        .contains("\nREMOTELLM_BROKER_HTTPS_PORT='8444'\n")
        .contains("\nREMOTELLM_BROKER_TLS_KEYSTORE='/not/yet/key.p12'\n")
        .contains("\nREMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD_FILE='/not/yet/pass'\n");
    assertThatThrownBy(() -> BrokerSettings.resolve(flags, Map.of(), true))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("is not a readable file");
    BrokerLauncher noPassword = new BrokerLauncher();
    BrokerLauncher.parse(
        noPassword, new String[] {"--https-port", "8444", "--tls-keystore", "/not/yet/key.p12"});
    assertThatThrownBy(() -> BrokerSettings.resolve(noPassword, Map.of(), false))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--tls-keystore needs --tls-keystore-password-file");
  }

  @Test
  void aBadVariableIsRefusedLikeItsFlag() {
    assertThatThrownBy(() -> resolve(Map.of("REMOTELLM_BROKER_PORT", "http")))
        .isInstanceOf(UsageException.class)
        .hasMessage("--port must be a port number (0-65535)");
  }

  @Test
  void everyFlagOfTheParserIsInTheHelpText() {
    String help = BrokerLauncher.usage();
    assertThat(help).startsWith("Usage: remotellm-broker [options]\n");
    List<String> flags =
        new picocli.CommandLine(new BrokerLauncher())
            .getCommandSpec().options().stream()
                .filter(o -> !o.hidden())
                .flatMap(o -> List.of(o.names()).stream())
                .toList();
    assertThat(flags).hasSize(26);
    for (String flag : flags) {
      assertThat(help).containsAnyOf(flag + " ", flag + ",");
    }
  }

  private void assertRefused(String message, String... args) {
    assertThatThrownBy(() -> resolve(Map.of(), args))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining(message);
  }
}
