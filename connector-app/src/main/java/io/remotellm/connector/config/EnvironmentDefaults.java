package io.remotellm.connector.config;

import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives each option its {@code REMOTELLM_*} variable as default, else the built-in default. The
 * environment is passed in (not read from {@link System#getenv()} here) so tests can set it.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {

  /** Option → its variable and built-in default (null: none). */
  record Source(String variable, String fallback) {}

  static final Map<String, Source> SOURCES =
      Map.ofEntries(
          Map.entry("--llm-url", new Source("REMOTELLM_LLM_URL", "http://localhost:11434")),
          Map.entry("--broker-url", new Source("REMOTELLM_BROKER_URL", null)),
          Map.entry("--broker-token", new Source("REMOTELLM_BROKER_TOKEN", null)),
          Map.entry("--model", new Source("REMOTELLM_MODELS", null)),
          Map.entry("--health-port", new Source("REMOTELLM_HEALTH_PORT", "8080")),
          Map.entry("--log-level", new Source("REMOTELLM_LOG_LEVEL", "INFO")),
          Map.entry("--llm-api-key", new Source("REMOTELLM_LLM_API_KEY", null)),
          Map.entry("--llm-api", new Source("REMOTELLM_LLM_API", null)),
          Map.entry("--llm-connect-timeout", new Source("REMOTELLM_LLM_CONNECT_TIMEOUT", "10")),
          Map.entry("--llm-timeout", new Source("REMOTELLM_LLM_TIMEOUT", "600")),
          Map.entry("--capacity", new Source("REMOTELLM_CAPACITY", "4096")),
          Map.entry("--llm-connections", new Source("REMOTELLM_LLM_CONNECTIONS", "32")),
          Map.entry("--drain-timeout", new Source("REMOTELLM_DRAIN_TIMEOUT", "30")),
          Map.entry("--reconnect-initial", new Source("REMOTELLM_RECONNECT_INITIAL", "1")),
          Map.entry("--reconnect-max", new Source("REMOTELLM_RECONNECT_MAX", "60")),
          Map.entry("--reconnect-reset-after", new Source("REMOTELLM_RECONNECT_RESET_AFTER", "30")),
          Map.entry("--llm-probe-interval", new Source("REMOTELLM_LLM_PROBE_INTERVAL", "5")),
          Map.entry("--ca-cert", new Source("REMOTELLM_CA_CERT", null)),
          Map.entry("--truststore", new Source("REMOTELLM_TRUSTSTORE", null)),
          Map.entry("--truststore-password", new Source("REMOTELLM_TRUSTSTORE_PASSWORD", null)));

  private final Map<String, String> env;

  EnvironmentDefaults(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option)) {
      return null;
    }
    Source source = SOURCES.get(option.longestName());
    if (source == null) {
      return null;
    }
    String value = env.get(source.variable());
    return value == null || value.isBlank() ? source.fallback() : value;
  }
}
