package io.remotellm.st.containers;

import static io.remotellm.st.containers.Podman.podman;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The images as users run them. Both are built by deploy/containers/build-images.sh on a Debian
 * base made here by build-base.sh (no image registry is reachable); a broker and a connector
 * container on the host's network relay a fake LLM to the official OpenAI SDK; a second pair runs
 * as the Kubernetes manifests say (their env, Secret, read-only root, own network namespace), and
 * the manifests' probes and the compose file's health checks are run inside it. Last, SIGTERM to
 * the broker in the middle of a stream.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainersIT {

  private static final String MODEL = "container-model";
  private static final String USER_KEY = "sk-containers-" + UUID.randomUUID();
  private static final String TOKEN = "ct-containers-" + UUID.randomUUID();
  private static final Duration BOOT = Duration.ofSeconds(180);

  // Unique per run: names of containers and the tag of the images built here.
  // Unique per run: names of containers and the tag of the images built here. The JVM's pid in
  // it tells a later run whether what it finds was left by a run that died (see removeLeftovers).
  private static final String PREFIX = "remotellm-it-";
  // docker-compose (v1) keeps only letters and digits of a project name: no dashes there.
  private static final String COMPOSE_PREFIX = "remotellmit";
  private static final String RUN =
      PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);

  // Why the container tests cannot run on this machine (podman or debootstrap missing).
  private static Optional<String> notHere = Optional.empty();
  private static String brokerImage;
  private static String connectorImage;
  private static final List<Container> containers = new ArrayList<>();
  private static FakeLlm llm;
  private static int port;
  private static int healthPort;
  private static int connectorHealth;
  private static Container broker;
  private static Container connector;
  private static OpenAIClient openai;

  @BeforeAll
  static void buildImagesAndStart() throws IOException {
    notHere =
        Podman.missing("podman", "podman runc")
            .or(() -> Podman.missing("runc", "runc"))
            .or(() -> Podman.missing("debootstrap", "debootstrap"));
    if (notHere.isPresent()) {
      System.out.println("ContainersIT: the container tests are skipped: " + notHere.get());
      return;
    }
    removeLeftovers();

    String base =
        Podman.run(List.of(script("build-base.sh")), Map.of(), Duration.ofMinutes(15))
            .orFail("build-base.sh")
            .lastLine();
    assertThat(base).startsWith("localhost/remotellm-base:");
    List<String> images =
        Podman.run(
                List.of(script("build-images.sh"), "--base", base, "--tag", RUN),
                Map.of(),
                Duration.ofMinutes(10))
            .orFail("build-images.sh")
            .out()
            .strip()
            .lines()
            .toList();
    assertThat(images).hasSize(2);
    brokerImage = images.get(0);
    connectorImage = images.get(1);

    llm = FakeLlm.start();
    port = FreePort.next();
    healthPort = FreePort.next();
    connectorHealth = FreePort.next();
    Path connectorConfig =
        readableFile("connectors", "connectors:\n  - token: \"" + TOKEN + "\"\n");

    // The host's network: the fake LLM and the client are on this machine's loopback.
    broker =
        start(
            "broker",
            brokerImage,
            List.of(
                "--network",
                "host",
                "-e",
                "REMOTELLM_BROKER_HOST=127.0.0.1",
                "-v",
                connectorConfig + ":/etc/remotellm/connectors.yaml:ro",
                "--read-only"),
            Map.of("REMOTELLM_BROKER_USER_API_KEYS", USER_KEY),
            // Settings as the seed's env variables (above) and flags (here) alike.
            List.of(
                "--port",
                String.valueOf(port),
                "--health-port",
                String.valueOf(healthPort),
                "--connector-config",
                "/etc/remotellm/connectors.yaml"));
    connector =
        start(
            "connector",
            connectorImage,
            List.of("--network", "host", "--read-only"),
            Map.of("REMOTELLM_BROKER_TOKEN", TOKEN),
            // The seed's flags work as arguments to the image, as to bin/remotellm-connector.
            List.of(
                "--broker-url",
                "ws://127.0.0.1:" + port + "/ws",
                "--llm-url",
                llm.baseUrl().toString(),
                "--model",
                MODEL,
                "--health-port",
                String.valueOf(connectorHealth),
                "--llm-probe-interval",
                "1"));
    awaitStatus(broker, "http://127.0.0.1:" + healthPort + "/health/ready", 200);
    awaitStatus(connector, "http://127.0.0.1:" + connectorHealth + "/ready", 200);

    openai =
        OpenAIOkHttpClient.builder()
            .apiKey(USER_KEY)
            .baseUrl("http://127.0.0.1:" + port + "/v1")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(60))
            .build();
  }

  @AfterAll
  static void removeEverything() throws IOException {
    if (openai != null) {
      openai.close();
    }
    // The containers' logs go where the other system tests' logs go, for a reader and for the
    // secret scans; then the containers and this run's images are removed (the base stays).
    List<String> leaks = new ArrayList<>();
    for (Container container : containers) {
      String logs = container.logs();
      Files.writeString(ProductProcess.logDir().resolve(container.name() + ".log"), logs);
      container.remove();
      if (logs.contains(USER_KEY)
          || logs.contains(TOKEN)
          || logs.contains("sk-change-me")
          || logs.contains("ct-change-me")) {
        leaks.add(container.name());
      }
    }
    if (brokerImage != null) {
      podman(Duration.ofMinutes(2), "rmi", "-f", brokerImage, connectorImage);
    }
    if (llm != null) {
      llm.close();
    }
    assertThat(leaks).as("containers whose logs show a key or a token").isEmpty();
  }

  @Test
  @Order(1)
  void imagesRunAsTheirOwnUserExposeTheirPortsAndStopWithSigterm() throws IOException {
    notHere.ifPresent(Podman::skip);
    for (String image : List.of(brokerImage, connectorImage)) {
      String config =
          podman(
                  Duration.ofSeconds(30),
                  "image",
                  "inspect",
                  "--format",
                  "{{.Config.User}} {{.Config.StopSignal}} {{json .Config.ExposedPorts}}",
                  image)
              .orFail("image inspect")
              .out()
              .strip();
      assertThat(config).as(image).startsWith("10001:10001 SIGTERM ").contains("\"8080/tcp\"");
    }
    assertThat(
            podman(
                    Duration.ofSeconds(30),
                    "image",
                    "inspect",
                    "--format",
                    "{{json .Config.ExposedPorts}}",
                    brokerImage)
                .out())
        .contains("\"8443/tcp\"");
    // The launchers exec the JVM: it is the container's PID 1, so SIGTERM reaches it.
    assertThat(broker.exec("cat", "/proc/1/comm").out().strip()).isEqualTo("java");
    assertThat(connector.exec("id", "-u").out().strip()).isEqualTo("10001");
    System.out.printf(
        "ContainersIT: images %s %d MB, %s %d MB; idle RSS broker %d MB, connector %d MB%n",
        brokerImage,
        sizeMegabytes(brokerImage),
        connectorImage,
        sizeMegabytes(connectorImage),
        broker.rssMegabytes(),
        connector.rssMegabytes());
  }

  @Test
  @Order(2)
  void chatAndStreamGoThroughTheContainers() {
    notHere.ifPresent(Podman::skip);
    llm.script(FakeLlm.Script.defaults().withChunks(4));
    ChatCompletion completion = openai.chat().completions().create(chat());
    assertThat(completion.choices().get(0).message().content()).contains("tok0 tok1 tok2 tok3 ");

    llm.script(FakeLlm.Script.defaults().withChunks(20));
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(chat())) {
      stream.stream()
          .forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
    }
    assertThat(text.toString()).isEqualTo(tokens(20));
  }

  @Test
  @Order(3)
  void healthEndpointsAnswerOnTheHealthPorts() {
    notHere.ifPresent(Podman::skip);
    for (String path : List.of("/health", "/health/ready", "/health/live", "/health/started")) {
      var response = ProductRun.get("http://127.0.0.1:" + healthPort + path);
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(response.body()).as(path).contains("\"status\":\"UP\"");
    }
    assertThat(ProductRun.get("http://127.0.0.1:" + healthPort + "/health").body())
        .contains("\"connectors_connected\":\"1\"", "\"models\":\"" + MODEL + "\"");
    var health = ProductRun.get("http://127.0.0.1:" + connectorHealth + "/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"relay_connected\":true");
    assertThat(ProductRun.get("http://127.0.0.1:" + connectorHealth + "/ready").statusCode())
        .isEqualTo(200);
  }

  @Test
  @Order(4)
  void asKubernetesRunsThemTheManifestsProbesAndComposeHealthChecksPass() throws IOException {
    notHere.ifPresent(Podman::skip);
    Manifests k8s = Manifests.load(Podman.root().resolve("deploy/kubernetes"));
    Manifests.Pod brokerPod = k8s.pod("remotellm-broker");
    Manifests.Pod connectorPod = k8s.pod("remotellm-connector", "connector");
    Map<String, String> secret = k8s.exampleSecret();

    // The broker as its Deployment runs it: its env with the Secret's values, connectors.yaml
    // from the Secret at the mount path, a read-only root with /tmp writable, uid 10001, all
    // capabilities dropped, a network namespace of its own (so its ports are the real defaults).
    Path secretDir = Files.createTempDirectory(ProductProcess.logDir(), "secret");
    Files.setPosixFilePermissions(secretDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    readableCopy(secretDir.resolve("connectors.yaml"), secret.get("connectors.yaml"));
    List<String> options = new ArrayList<>(podLike(brokerPod));
    options.addAll(
        List.of(
            "--network",
            "none",
            "-v",
            secretDir + ":" + brokerPod.mountPath("connector-config") + ":ro"));
    Container shipped = start("k8s-broker", brokerImage, options, brokerPod.env(secret), List.of());

    // The connector joins the broker's network namespace to attach over its loopback; the
    // relay Service's port must lead to the broker's API port. In a pod of its own it would
    // have the health port to itself; here that is the broker's, so it moves.
    assertThat(k8s.servicePort("remotellm-broker-relay")).isEqualTo(brokerPod.port("http"));
    assertThat(k8s.servicePort("remotellm-broker")).isEqualTo(brokerPod.port("http"));
    int movedHealth = 9090;
    Map<String, String> connectorEnv = new LinkedHashMap<>(connectorPod.env(secret));
    assertThat(connectorEnv.get("REMOTELLM_HEALTH_PORT"))
        .isEqualTo(String.valueOf(connectorPod.port("health")));
    connectorEnv.put("REMOTELLM_BROKER_URL", "ws://127.0.0.1:" + brokerPod.port("http") + "/ws");
    connectorEnv.put("REMOTELLM_LLM_URL", "demo"); // no Ollama here: the built-in demo model
    connectorEnv.put("REMOTELLM_MODELS", "");
    connectorEnv.put("REMOTELLM_HEALTH_PORT", String.valueOf(movedHealth));
    List<String> connectorOptions = new ArrayList<>(podLike(connectorPod));
    connectorOptions.addAll(List.of("--network", "container:" + shipped.name()));
    Container joined =
        start("k8s-connector", connectorImage, connectorOptions, connectorEnv, List.of());

    // Every probe of the broker's Deployment answers 200 once it is up, on the port it names.
    int brokerHealth = brokerPod.port("health");
    Wait.until(
        "the manifest's readiness probe to pass",
        BOOT,
        () -> {
          assertRunning(shipped);
          return shipped.getInside(brokerHealth, brokerPod.probe("readinessProbe").path()).status()
              == 200;
        });
    // Payara answers any path under /health with the overall health, so a wrong path would
    // pass on status alone: each probe must get exactly its own kind of checks.
    Map<String, List<String>> checks =
        Map.of(
            "startupProbe",
            List.of(),
            "livenessProbe",
            List.of("broker"),
            "readinessProbe",
            List.of("broker-ready"));
    checks.forEach(
        (probe, names) -> {
          Manifests.Probe p = brokerPod.probe(probe);
          assertThat(p.port()).as(probe).isEqualTo(brokerHealth);
          Container.HttpAnswer answer = shipped.getInside(p.port(), p.path());
          assertThat(answer.status()).as(probe + " " + p.path()).isEqualTo(200);
          JsonObject health = Json.createReader(new StringReader(answer.body())).readObject();
          assertThat(health.getString("status")).as(probe).isEqualTo("UP");
          assertThat(
                  health.getJsonArray("checks").getValuesAs(JsonObject.class).stream()
                      .map(c -> c.getString("name")))
              .as(probe + " " + p.path() + " checks")
              .containsExactlyElementsOf(names);
        });
    assertThat(shipped.getInside(brokerHealth, "/health").body())
        .contains("\"connector_config\":\"in force\"", "\"user_api_keys_configured\":\"true\"");
    // The manifest's JVM options reached the JVM (through the launcher, as JAVA_OPTS).
    assertThat(shipped.exec("cat", "/proc/1/cmdline").out().replace('\0', ' '))
        .contains(brokerPod.env(secret).get("JAVA_OPTS"));
    // terminationGracePeriodSeconds outlasts the drain the pod is given.
    assertThat(brokerPod.terminationGraceSeconds())
        .isGreaterThan(
            Integer.parseInt(brokerPod.env(secret).get("REMOTELLM_BROKER_DRAIN_SECONDS")));

    Manifests.Probe ready = connectorPod.probe("readinessProbe");
    assertThat(ready.port()).isEqualTo(connectorPod.port("health"));
    Wait.until(
        "the connector's readiness probe to pass",
        Duration.ofSeconds(60),
        () -> {
          assertRunning(joined);
          return joined.getInside(movedHealth, ready.path()).status() == 200;
        });
    assertThat(joined.getInside(movedHealth, ready.path()).body()).contains("\"ready\":true");
    assertThat(connectorPod.probe("livenessProbe").port()).isEqualTo(connectorPod.port("health"));

    // The compose file's health checks, run as docker would run them, in the same containers.
    Compose compose = Compose.load(Podman.root().resolve("deploy/compose/compose.yaml"));
    assertThat(compose.healthPort("broker", "REMOTELLM_BROKER_HEALTH_PORT"))
        .isEqualTo(brokerHealth);
    assertThat(shipped.exec(compose.healthcheck("broker")).exitCode())
        .as("compose's broker health check")
        .isZero();
    assertThat(compose.healthPort("connector", "REMOTELLM_HEALTH_PORT"))
        .isEqualTo(connectorPod.port("health"));
    String[] connectorCheck = compose.healthcheck("connector");
    assertThat(joined.exec(connectorCheck).exitCode())
        .as("compose's connector check against the broker's port (404 there)")
        .isNotZero();
    assertThat(joined.exec(Compose.onPort(connectorCheck, movedHealth)).exitCode())
        .as("compose's connector health check")
        .isZero();
  }

  @Test
  @Order(5)
  void composeFileIsValidAndTakesItsSecretsFromTheEnvironment() throws IOException {
    Podman.require("docker-compose", "docker-compose");
    Path env =
        readableFile(
            "compose",
            "REMOTELLM_USER_API_KEYS=sk-from-env\n" + "REMOTELLM_CONNECTOR_TOKEN=ct-from-env\n");
    String composeFile = Podman.root().resolve("deploy/compose/compose.yaml").toString();
    Podman.Result config =
        Podman.run(
                List.of(
                    "docker-compose", "--env-file", env.toString(), "-f", composeFile, "config"),
                Map.of(),
                Duration.ofSeconds(60))
            .orFail("docker-compose config");
    Compose resolved = Compose.parse(config.out());
    assertThat(resolved.services()).containsExactlyInAnyOrder("broker", "connector", "ollama");
    assertThat(resolved.env("broker"))
        .containsEntry("REMOTELLM_BROKER_USER_API_KEYS", "sk-from-env")
        .containsEntry("REMOTELLM_BROKER_CONNECTOR_TOKENS", "ct-from-env")
        .containsEntry("REMOTELLM_BROKER_PORT", "8443")
        .containsEntry("REMOTELLM_BROKER_HEALTH_PORT", "8080");
    assertThat(resolved.targetPorts("broker")).containsExactlyInAnyOrder(8443, 8080);
    assertThat(resolved.env("connector"))
        .containsEntry("REMOTELLM_BROKER_TOKEN", "ct-from-env")
        .containsEntry("REMOTELLM_BROKER_URL", "ws://broker:8443/ws")
        .containsEntry("REMOTELLM_LLM_URL", "http://ollama:11434");
    // Without the secrets it refuses to start rather than running with none.
    Path empty = readableFile("compose-empty", "");
    Podman.Result refused =
        Podman.run(
            List.of("docker-compose", "--env-file", empty.toString(), "-f", composeFile, "config"),
            Map.of(),
            Duration.ofSeconds(60));
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.err()).contains("set it in .env");
  }

  @Test
  @Order(5)
  void composeUpRunsBrokerAndConnectorThatAnswerAChat() throws Exception {
    notHere.ifPresent(Podman::skip);
    Podman.require("docker-compose", "docker-compose");
    // docker-compose talks to podman's Docker-compatible API, served on a socket of our own.
    Path apiDir = Files.createTempDirectory("remotellm-podman-api");
    Path socket = apiDir.resolve("podman.sock");
    Process api = Podman.start("system", "service", "--time=0", "unix://" + socket);
    String project =
        COMPOSE_PREFIX + ProcessHandle.current().pid() + "x" + RUN.substring(RUN.length() - 8);
    int apiPort = FreePort.next();
    int health = FreePort.next();
    Path env =
        readableFile(
            "compose-run",
            String.join(
                "\n",
                "REMOTELLM_USER_API_KEYS=" + USER_KEY,
                "REMOTELLM_CONNECTOR_TOKEN=" + TOKEN,
                "REMOTELLM_PORT=" + apiPort,
                "REMOTELLM_HEALTH_PORT=" + health,
                // No Ollama image here: the connector's built-in demo model instead.
                "REMOTELLM_LLM_URL=demo",
                "REMOTELLM_MODELS=demo-echo",
                "REMOTELLM_BROKER_IMAGE=" + brokerImage,
                "REMOTELLM_CONNECTOR_IMAGE=" + connectorImage,
                ""));
    List<String> compose =
        List.of(
            "docker-compose",
            "--env-file",
            env.toString(),
            "-f",
            Podman.root().resolve("deploy/compose/compose.yaml").toString(),
            "-p",
            project);
    Map<String, String> docker = Map.of("DOCKER_HOST", "unix://" + socket);
    try {
      Wait.until("podman's API socket", Duration.ofSeconds(30), () -> Files.exists(socket));
      List<String> up = new ArrayList<>(compose);
      up.addAll(List.of("up", "-d", "--no-deps", "broker", "connector"));
      Podman.run(up, docker, Duration.ofMinutes(3)).orFail("docker-compose up");
      List<String> logs = new ArrayList<>(compose);
      logs.addAll(List.of("logs", "--no-color"));
      String ready = "http://127.0.0.1:" + health + "/health/ready";
      try {
        Wait.until(
            ready + " through compose's published port",
            BOOT,
            () -> ProductRun.status(HttpRequest.newBuilder(URI.create(ready)).build()) == 200);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\n" + Podman.run(logs, docker, BOOT).out(), e);
      }
      OpenAIClient client =
          OpenAIOkHttpClient.builder()
              .apiKey(USER_KEY)
              .baseUrl("http://127.0.0.1:" + apiPort + "/v1")
              .maxRetries(0)
              .timeout(Duration.ofSeconds(60))
              .build();
      try {
        ChatCompletion answer =
            client
                .chat()
                .completions()
                .create(
                    ChatCompletionCreateParams.builder()
                        .model("demo-echo")
                        .addUserMessage("hello compose")
                        .build());
        assertThat(answer.choices().get(0).message().content()).hasValue("Echo: hello compose");
      } finally {
        client.close();
      }
      // The compose file's health check, as podman runs it from the container's config.
      assertThat(
              podman(Duration.ofSeconds(60), "healthcheck", "run", project + "_broker_1")
                  .exitCode())
          .as("podman healthcheck run on compose's broker")
          .isZero();
      String output = Podman.run(logs, docker, BOOT).out();
      Files.writeString(ProductProcess.logDir().resolve(project + "-compose.log"), output);
      assertThat(output).doesNotContain(USER_KEY, TOKEN);
    } finally {
      List<String> down = new ArrayList<>(compose);
      down.addAll(List.of("down", "-t", "45"));
      Podman.run(down, docker, Duration.ofMinutes(2));
      api.destroy();
      api.waitFor(30, TimeUnit.SECONDS);
      Files.deleteIfExists(env);
      Files.deleteIfExists(socket);
      Files.deleteIfExists(apiDir);
    }
  }

  @Test
  @Order(6)
  void kubernetesManifestsConformToTheKubernetesApi() throws IOException {
    // Needs no tool: where podman is missing this still checks every document and the Secret.
    Manifests k8s = Manifests.load(Podman.root().resolve("deploy/kubernetes"));
    assertThat(k8s.exampleSecret()).containsKeys("user-api-keys", "connector-token");
    assertThat(k8s.pod("remotellm-broker").probe("startupProbe").path()).isNotBlank();
  }

  @Test
  @Order(6)
  void theScriptsPassShellcheck() {
    Podman.require("shellcheck", "shellcheck");
    Podman.Result result =
        Podman.run(
            List.of(
                "shellcheck",
                "--severity=style",
                script("build-base.sh"),
                script("build-images.sh")),
            Map.of(),
            Duration.ofSeconds(60));
    assertThat(result.exitCode()).as("shellcheck:\n%s", result.out()).isZero();
  }

  @Test
  @Order(7)
  void sigtermToTheBrokerLetsARunningStreamFinish() throws IOException {
    notHere.ifPresent(Podman::skip);
    int grace =
        Manifests.load(Podman.root().resolve("deploy/kubernetes"))
            .pod("remotellm-broker")
            .terminationGraceSeconds();
    llm.script(FakeLlm.Script.defaults().withChunks(50).withChunkDelay(Duration.ofMillis(100)));
    StringBuilder text = new StringBuilder();
    CompletableFuture<Long> signalled = new CompletableFuture<>();
    int[] chunks = {0};
    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(chat())) {
      stream.stream()
          .forEach(
              c -> {
                c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                if (++chunks[0] == 5) {
                  // Half a second into a 5-second answer, as `docker stop` or Kubernetes would.
                  broker.sigterm();
                  signalled.complete(System.nanoTime());
                }
              });
    }
    assertThat(signalled).isDone();
    assertThat(text.toString()).isEqualTo(tokens(50));
    assertThat(broker.awaitExit(Duration.ofSeconds(90)))
        .as("the broker's exit code")
        .isEqualTo(143);
    // Kubernetes kills what is still running after terminationGracePeriodSeconds.
    assertThat(Duration.ofNanos(System.nanoTime() - signalled.join()))
        .as("from SIGTERM to exit")
        .isLessThan(Duration.ofSeconds(grace));
    assertThat(broker.logs()).contains("Relay drained: connectors closed (1001)");
    Wait.until(
        "the connector to see the broker's 1001 close",
        Duration.ofSeconds(30),
        () -> connector.logs().contains("socket closed: 1001 broker shutting down"));
    assertThat(connector.isRunning()).as("the connector keeps redialling").isTrue();
  }

  /**
   * Containers and images of earlier runs whose JVM is gone (killed before its clean-up): a
   * container left on the host's network would hold its ports, images would fill the disk. Those of
   * a run still going (another clone on this machine) are left alone.
   */
  private static void removeLeftovers() {
    Duration timeout = Duration.ofMinutes(2);
    List<String> names =
        podman(timeout, "ps", "-a", "--format", "{{.Names}}")
            .orFail("podman ps")
            .out()
            .lines()
            .toList();
    List<String> images =
        podman(timeout, "images", "--format", "{{.Repository}}:{{.Tag}}")
            .orFail("podman images")
            .out()
            .lines()
            .toList();
    for (String name : names) {
      if (leftover(name)) {
        podman(timeout, "rm", "-f", "-t", "0", name);
      }
    }
    for (String image : images) {
      if (leftover(image.substring(image.lastIndexOf(':') + 1))) {
        podman(timeout, "rmi", "-f", image);
      }
    }
    // compose's network of a run that died
    for (String network :
        podman(timeout, "network", "ls", "--format", "{{.Name}}").out().lines().toList()) {
      if (leftover(network)) {
        podman(timeout, "network", "rm", "-f", network);
      }
    }
  }

  private static boolean leftover(String name) {
    String rest;
    if (name.startsWith(PREFIX)) {
      rest = name.substring(PREFIX.length());
    } else if (name.startsWith(COMPOSE_PREFIX)) {
      rest = name.substring(COMPOSE_PREFIX.length());
    } else {
      return false;
    }
    String pid = rest.replaceFirst("^(\\d+).*$", "$1");
    return pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).isEmpty();
  }

  private static ChatCompletionCreateParams chat() {
    return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("hello").build();
  }

  private static String tokens(int n) {
    return Stream.iterate(0, i -> i + 1)
        .limit(n)
        .map(i -> "tok" + i + " ")
        .collect(Collectors.joining());
  }

  private static Container start(
      String role,
      String image,
      List<String> options,
      Map<String, String> secretEnv,
      List<String> args) {
    Container container = Container.run(RUN + "-" + role, image, options, secretEnv, args);
    containers.add(container);
    return container;
  }

  /**
   * podman's equivalents of the pod's securityContext, its memory limit (the JVM sizes its heap
   * from it, so the broker must boot and serve within it) and its emptyDir on /tmp.
   */
  private static List<String> podLike(Manifests.Pod pod) {
    assertThat(pod.readOnlyRoot()).isTrue();
    List<String> options =
        new ArrayList<>(
            List.of(
                "--read-only",
                "--tmpfs",
                "/tmp",
                "--user",
                pod.user(),
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges"));
    pod.memoryLimit().ifPresent(limit -> options.addAll(List.of("--memory", limit)));
    return options;
  }

  private static void awaitStatus(Container container, String url, int status) {
    Wait.until(
        url + " to answer " + status,
        BOOT,
        () -> {
          assertRunning(container);
          return ProductRun.status(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build())
              == status;
        });
  }

  private static void assertRunning(Container container) {
    if (!container.isRunning()) {
      throw new AssertionError(container.name() + " stopped:\n" + container.logs());
    }
  }

  private static long sizeMegabytes(String image) {
    return Long.parseLong(
            podman(Duration.ofSeconds(30), "image", "inspect", "--format", "{{.Size}}", image)
                .orFail("inspect")
                .out()
                .strip())
        / 1_000_000;
  }

  private static String script(String name) {
    return Podman.root().resolve("deploy/containers").resolve(name).toString();
  }

  /** A file the containers' user (uid 10001) can read, as a mounted secret would be. */
  private static Path readableFile(String prefix, String content) throws IOException {
    Path file = Files.createTempFile(ProductProcess.logDir(), prefix, ".txt");
    readableCopy(file, content);
    return file;
  }

  private static void readableCopy(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }
}
