package io.remotellm.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The packaged connector jar, started as its own process the way an operator runs it. */
final class ConnectorJar {

  private ConnectorJar() {}

  static String path() {
    String jar = System.getProperty("connector.jar", "target/remotellm-connector.jar");
    assertThat(new File(jar)).as("the packaged connector jar").exists();
    return jar;
  }

  /**
   * {@code java <jvmOptions> -jar connector.jar <args>} with {@code env} added to this JVM's
   * environment, its output (both streams) to {@code log}.
   */
  static Process start(List<String> jvmOptions, Map<String, String> env, Path log, String... args)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", path()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().putAll(env);
    return builder.start();
  }
}
