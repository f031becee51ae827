package io.remotellm.st.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The services start from what the Linux installer wrote: the real launchers and built artifacts
 * are staged into a scratch root, then the broker and a demo-model connector are run as plain
 * processes the way systemd would run them (the unit's EnvironmentFile= exported, its ExecStart= in
 * its WorkingDirectory=), and answer on their health ports; SIGTERM ends them with an exit code the
 * unit counts as success. A second connector is started from the macOS installer's plist (its
 * ProgramArguments: the wrapper that exports the env file, then the launcher).
 *
 * <p>Needs the build's artifacts (broker-war and connector-app packaged), as {@code mvn verify}
 * from the root makes them before this module. {@code -Dremotellm.deploy.source=DIR} installs from
 * another built tree.
 */
class ServicesStartIT {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path tmp;
  Path root;

  @Test
  void brokerAndConnectorStartFromTheInstalledEnvFilesAndUnits() throws Exception {
    int port = FreePort.next();
    int healthPort = FreePort.next();
    int connectorHealthPort = FreePort.next();
    String token = "ct-st-" + HexFormat.of().formatHex(randomBytes());
    String userKey = "sk-st-" + HexFormat.of().formatHex(randomBytes());
    root = tmp.resolve("root");
    Path source =
        Path.of(System.getProperty("remotellm.deploy.source", Installer.root().toString()));

    // Values go in through the seed's env variables, as the README suggests for secrets.
    Installer.linux()
        .run(
            Map.of(
                "REMOTELLM_BROKER_CONNECTOR_TOKENS", token,
                "REMOTELLM_BROKER_USER_API_KEYS", userKey,
                "REMOTELLM_BROKER_TOKEN", token),
            List.of(
                "--source",
                source.toString(),
                "--dest-root",
                root.toString(),
                "--no-start",
                "--port",
                String.valueOf(port),
                "--broker-health-port",
                String.valueOf(healthPort),
                "--broker-url",
                "ws://127.0.0.1:" + port + "/ws",
                "--llm-url",
                "demo",
                "--connector-health-port",
                String.valueOf(connectorHealthPort)))
        .assertSuccess();

    // The broker reads the example connectors.yaml the installer wrote; in the scratch root it
    // sits under the root, not at the absolute path the env file names.
    String config =
        EnvFiles.readLikeSystemd(at("/etc/remotellm/broker.env"))
            .get("REMOTELLM_BROKER_CONNECTOR_CONFIG");
    try (Service broker =
        Service.start(this, "broker", "REMOTELLM_BROKER_CONNECTOR_CONFIG=" + at(config))) {
      // Live once Payara Micro has deployed the WAR; ready (and /health 200) only once a
      // connector is attached.
      broker.awaitHttp200(
          "http://127.0.0.1:" + healthPort + "/health/live", Duration.ofSeconds(240));

      try (Service connector = Service.start(this, "connector", "")) {
        // 200 only once the relay to the broker is up.
        connector.awaitHttp200(
            "http://127.0.0.1:" + connectorHealthPort + "/health", Duration.ofSeconds(90));
        broker.awaitHttp200("http://127.0.0.1:" + healthPort + "/health", Duration.ofSeconds(30));

        HttpResponse<String> models =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                    .header("Authorization", "Bearer " + userKey)
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
        assertThat(models.body())
            .as("the demo model, served through the connector")
            .contains("\"id\"");

        // The same launcher started the launchd way: the macOS installer's plist runs its wrapper,
        // which exports the env file; a second connector for the same model attaches.
        int macHealthPort = FreePort.next();
        Path macRoot = tmp.resolve("mac-root");
        Installer.macos()
            .run(
                Map.of("REMOTELLM_BROKER_TOKEN", token),
                List.of(
                    "--source",
                    source.toString(),
                    "--dest-root",
                    macRoot.toString(),
                    "--no-start",
                    "--connector",
                    "--broker-url",
                    "ws://127.0.0.1:" + port + "/ws",
                    "--llm-url",
                    "demo",
                    "--health-port",
                    String.valueOf(macHealthPort)))
            .assertSuccess();
        try (Service launchd = Service.startFromPlist(macRoot, "connector")) {
          launchd.awaitHttp200(
              "http://127.0.0.1:" + macHealthPort + "/health", Duration.ofSeconds(90));
          assertThat(launchd.terminate())
              .as("exit code after SIGTERM (plist: KeepAlive only on failure)")
              .isIn(0, 143);
        }

        assertThat(connector.terminate())
            .as("connector exit code after SIGTERM (unit: SuccessExitStatus=143)")
            .isIn(0, 143);
      }
      assertThat(broker.terminate())
          .as("broker exit code after SIGTERM (unit: SuccessExitStatus=143)")
          .isIn(0, 143);
    }
  }

  Path at(String absolute) {
    return root.resolve(absolute.substring(1));
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[12];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  /** One installed service run as systemd would run it, but as a plain child process. */
  static final class Service implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private Service(String name, Process process, Path log) {
      this.name = name;
      this.process = process;
      this.log = log;
    }

    /**
     * Starts remotellm-COMPONENT from its unit: {@code set -a; . EnvironmentFile; exec ExecStart},
     * with paths mapped into the scratch root and one optional KEY=VALUE set after the env file.
     */
    static Service start(ServicesStartIT test, String component, String override)
        throws IOException {
      UnitFile unit =
          UnitFile.read(test.at("/etc/systemd/system/remotellm-" + component + ".service"));
      List<String> execStart =
          new ArrayList<>(Arrays.asList(unit.get("Service", "ExecStart").split("\\s+")));
      execStart.set(0, test.at(execStart.get(0)).toString());
      List<String> command =
          new ArrayList<>(
              List.of(
                  "bash",
                  "-c",
                  "set -a; . \"$1\"; set +a; [ -z \"$2\" ] || export \"$2\"; shift 2; exec \"$@\"",
                  "bash",
                  test.at(unit.get("Service", "EnvironmentFile")).toString(),
                  override));
      command.addAll(execStart);
      Path log = ProductProcess.logDir().resolve("deploy-" + component + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(test.at(unit.get("Service", "WorkingDirectory")).toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("REMOTELLM_"));
      for (String setting : unit.all("Service", "Environment")) {
        int eq = setting.indexOf('=');
        builder.environment().put(setting.substring(0, eq), setting.substring(eq + 1));
      }
      return new Service(component, builder.start(), log);
    }

    /**
     * Starts a component as launchd would from the plist the macOS installer wrote: its
     * ProgramArguments (the wrapper, the env file, the launcher) with paths mapped into the scratch
     * root, its EnvironmentVariables, in its WorkingDirectory.
     */
    static Service startFromPlist(Path root, String component) throws IOException {
      Map<String, Object> plist =
          Plist.read(root.resolve("Library/LaunchDaemons/io.remotellm." + component + ".plist"));
      List<String> command = new ArrayList<>();
      for (Object argument : (List<?>) plist.get("ProgramArguments")) {
        String text = (String) argument;
        Path staged = root.resolve(text.substring(1));
        command.add(text.startsWith("/") && Files.exists(staged) ? staged.toString() : text);
      }
      Path log = ProductProcess.logDir().resolve("deploy-launchd-" + component + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(
                  root.resolve(((String) plist.get("WorkingDirectory")).substring(1)).toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("REMOTELLM_"));
      ((Map<?, ?>) plist.get("EnvironmentVariables"))
          .forEach((k, v) -> builder.environment().put((String) k, (String) v));
      return new Service("launchd " + component, builder.start(), log);
    }

    void awaitHttp200(String url, Duration timeout) {
      Wait.until(
          name + " to answer 200 on " + url,
          timeout,
          () -> {
            if (!process.isAlive()) {
              throw new AssertionError(
                  name
                      + " exited with "
                      + process.exitValue()
                      + "; its log ("
                      + log
                      + "):\n"
                      + tail());
            }
            try {
              return HTTP.send(
                          HttpRequest.newBuilder(URI.create(url))
                              .timeout(Duration.ofSeconds(2))
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
            } catch (IOException e) {
              return false;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new AssertionError("interrupted", e);
            }
          });
    }

    /** SIGTERM, as systemd's KillSignal=; returns the exit code. */
    int terminate() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(45, TimeUnit.SECONDS)) {
        throw new AssertionError(
            name + " outlived TimeoutStopSec (45 s) after SIGTERM; log:\n" + tail());
      }
      return process.exitValue();
    }

    private String tail() {
      try {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        process.destroy();
        try {
          if (!process.waitFor(45, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          process.destroyForcibly();
        }
      }
    }
  }
}
