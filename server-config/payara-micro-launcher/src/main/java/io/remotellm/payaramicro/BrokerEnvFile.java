package io.remotellm.payaramicro;

import io.remotellm.settings.EnvFile;
import java.util.Map;

/**
 * The broker's settings as an env file ({@code --print-env}, for the installers): each variable the
 * operator set, and each default that applied as a comment, so the file shows every setting while
 * an upgrade's new default still reaches a setting nobody chose. Which variables there are comes
 * from {@link BrokerSettings}' resolution, so a new flag appears here by itself.
 */
final class BrokerEnvFile {
  private BrokerEnvFile() {}

  static String of(BrokerSettings settings) {
    EnvFile file = new EnvFile("broker");
    for (Map.Entry<String, String> given : settings.sources().given.entrySet()) {
      file.set(given.getKey(), given.getValue());
    }
    for (Map.Entry<String, String> fallback : settings.sources().defaults.entrySet()) {
      file.example(fallback.getKey(), fallback.getValue(), "default");
    }
    if (!settings.sources().given.containsKey("REMOTELLM_BROKER_CONNECTOR_TOKENS")) {
      file.example("REMOTELLM_BROKER_CONNECTOR_TOKENS", "token-1,token-2", null);
    }
    if (!settings.sources().given.containsKey("REMOTELLM_BROKER_USER_API_KEYS")) {
      file.example("REMOTELLM_BROKER_USER_API_KEYS", "sk-user-key-1,sk-user-key-2", null);
    }
    // Read by the WAR (MicroProfile Config) and by the launcher's JVM, not flags of the launcher.
    file.example(
        "REMOTELLM_BROKER_TRUSTED_PROXIES",
        "127.0.0.1",
        "behind a reverse proxy: its address or CIDR range");
    file.example("JAVA_OPTS", "-Xmx1g", "JVM options for Payara Micro");
    return file.toString();
  }
}
