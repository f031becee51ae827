package io.remotellm.connector.config;

import io.remotellm.settings.EnvFile;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The connector's settings as an env file ({@code --print-env}, for the installers): each option
 * with a variable in {@link EnvironmentDefaults}, set to what the flag or the variable gave, or as
 * a comment with its default when neither did, so the file shows every setting while an upgrade's
 * new default still reaches a setting nobody chose. A new option appears here by itself.
 */
final class ConnectorEnvFile {
  private ConnectorEnvFile() {}

  static String of(CommandLine cli, Map<String, String> env) {
    EnvFile file = new EnvFile("connector");
    for (OptionSpec option : cli.getCommandSpec().options()) {
      EnvironmentDefaults.Source source = EnvironmentDefaults.SOURCES.get(option.longestName());
      if (source == null) {
        continue;
      }
      String variable = source.variable();
      if (cli.getParseResult().hasMatchedOption(option)) {
        // A repeated or split list flag: the variable holds it comma-separated.
        file.set(variable, String.join(",", option.stringValues()));
      } else if (env.get(variable) != null && !env.get(variable).isBlank()) {
        file.set(variable, env.get(variable));
      } else {
        file.example(variable, source.fallback(), source.fallback() == null ? "unset" : "default");
      }
    }
    // Read by bin/remotellm-connector, not by the program.
    file.example(
        "REMOTELLM_CONNECTOR_JAVA_OPTS",
        "-Xmx512m",
        "JVM options; replaces the launcher's small-footprint defaults");
    return file.toString();
  }
}
