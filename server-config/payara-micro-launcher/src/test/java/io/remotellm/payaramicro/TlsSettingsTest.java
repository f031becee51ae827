package io.remotellm.payaramicro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS flags, with keystores made by the JDK's keytool. */
class TlsSettingsTest {

  @TempDir Path tmp;

  private static BrokerSettings resolve(Map<String, String> env, String... args)
      throws UsageException {
    BrokerLauncher flags = new BrokerLauncher();
    BrokerLauncher.parse(flags, args);
    return BrokerSettings.resolve(flags, env);
  }

  private Path keystore(String name, String password, String... aliases) throws Exception {
    Path store = tmp.resolve(name);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    for (String alias : aliases) {
      Process p =
          new ProcessBuilder(
                  keytool,
                  "-genkeypair",
                  "-keystore",
                  store.toString(),
                  "-storepass",
                  password,
                  "-keypass",
                  password,
                  "-alias",
                  alias,
                  "-keyalg",
                  "EC",
                  "-dname",
                  "CN=localhost",
                  "-validity",
                  "2")
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      assertThat(p.waitFor()).as("keytool").isEqualTo(0);
    }
    return store;
  }

  @Test
  void theOnlyPrivateKeyIsFoundAndThePasswordIsTheFilesFirstLine() throws Exception {
    String password = "pa#ss&w'd \"x";
    Path store = keystore("broker #1.p12", password, "my key");
    Path passFile = Files.writeString(tmp.resolve("pass & word"), password + "\nignored\n");
    BrokerSettings s =
        resolve(
            Map.of(),
            "--https-port",
            "8444",
            "--tls-keystore",
            store.toString(),
            "--tls-keystore-password-file",
            passFile.toString());
    assertThat(s.tls().alias()).isEqualTo("my key");
    assertThat(s.tls().password()).isEqualTo(password);
    assertThat(s.tls().storeType()).isEqualTo("PKCS12");
    assertThat(s.tls().httpsPort()).isEqualTo(8444);
    assertThat(s.tls().toString()).doesNotContain(password);
    assertThat(BrokerLauncher.summary(s)).contains("HTTPS and WSS on 0.0.0.0:8444 (key 'my key')");
  }

  @Test
  void thePasswordMayComeFromItsVariableAndTheAliasFromTheFlag() throws Exception {
    Path store = keystore("two.p12", "secret", "a", "b");
    Map<String, String> env =
        Map.of(
            "REMOTELLM_BROKER_HTTPS_PORT", "8444",
            "REMOTELLM_BROKER_TLS_KEYSTORE", store.toString(),
            "REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD", "secret");
    assertThatThrownBy(() -> resolve(env))
        .hasMessageContaining("holds 2 private keys; choose one with --tls-key-alias");
    assertThat(resolve(env, "--tls-key-alias", "b").tls().alias()).isEqualTo("b");
  }

  @Test
  void aWrongPasswordOrAMissingOneIsRefusedWithoutNamingIt() throws Exception {
    Path store = keystore("one.p12", "secret", "a");
    List<String> tls = List.of("--https-port", "8444", "--tls-keystore", store.toString());
    assertThatThrownBy(() -> resolve(Map.of(), tls.toArray(String[]::new)))
        .hasMessageContaining("needs --tls-keystore-password-file");
    assertThatThrownBy(
            () ->
                resolve(
                    Map.of("REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD", "wrong-pw"),
                    tls.toArray(String[]::new)))
        .hasMessageContaining("no private key found (wrong password, or not a PKCS12 keystore?)")
        .hasMessageNotContaining("wrong-pw");
    Path empty = Files.writeString(tmp.resolve("empty"), "");
    assertThatThrownBy(
            () ->
                resolve(
                    Map.of("REMOTELLM_BROKER_TLS_KEYSTORE_PASSWORD_FILE", empty.toString()),
                    tls.toArray(String[]::new)))
        .hasMessageContaining("is empty");
  }
}
