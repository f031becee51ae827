package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The connector config file edited while the broker runs on Payara Micro: a token removed closes
 * its connector and is refused from then on, a changed LLM key is used from the next request, a new
 * token can connect, and a broken file changes nothing. No restart anywhere.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ConnectorConfigReloadIT {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String TOKEN_A = "tok-reload-a";
  private static final String TOKEN_B = "tok-reload-b";
  private static final String TOKEN_C = "tok-reload-c";
  private static Path yaml;

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<ConnectorPeer> peers = new ArrayList<>();

  @Deployment(testable = false)
  static WebArchive deployment() throws Exception {
    yaml = Files.createTempFile("connectors-reload-it", ".yaml");
    yaml.toFile().deleteOnExit();
    write(Map.of(TOKEN_A, "sk-llm-a-old"), TOKEN_B);
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + USER_KEY,
            "remotellm.broker.connector-config=" + yaml.toAbsolutePath(),
            "remotellm.broker.connector-config-reload-seconds=1",
            ""));
  }

  @AfterEach
  void closePeers() {
    peers.forEach(ConnectorPeer::close);
  }

  @Test
  void editsToTheConnectorConfigTakeEffectWithoutARestart() throws Exception {
    BlockingQueue<Request> seenByA = new LinkedBlockingQueue<>();
    ConnectorPeer a = attach(TOKEN_A, "reload-a");
    a.autoAnswer(request -> answer(seenByA, request));
    ConnectorPeer b = attach(TOKEN_B, "reload-b");
    b.autoAnswer(request -> answer(new LinkedBlockingQueue<>(), request));
    assertThat(chat("reload-a")).isEqualTo(200);
    assertThat(seenByA.poll(1, TimeUnit.SECONDS).headers())
        .containsEntry("authorization", "Bearer sk-llm-a-old");
    assertThat(ConnectorPeer.upgradeStatus(ws(), TOKEN_C)).isEqualTo(401);
    assertThat(health()).contains("\"connector_config\":\"in force\"");

    // A new LLM key for A and a new token C: A keeps its socket and uses the new key.
    write(Map.of(TOKEN_A, "sk-llm-a-new"), TOKEN_B, TOKEN_C);
    await("the new LLM key in use")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              seenByA.clear();
              if (chat("reload-a") != 200) {
                return false;
              }
              Request seen = seenByA.poll(1, TimeUnit.SECONDS);
              return seen != null
                  && "Bearer sk-llm-a-new".equals(seen.headers().get("authorization"));
            });
    assertThat(a.isOpen()).isTrue();
    assertThat(attach(TOKEN_C, "reload-c").welcome()).isNotNull();

    // A broken file changes nothing: everyone stays, C can still connect.
    Files.writeString(yaml, "connectors:\n  - token: [\n");
    // Once health says the file was looked at and refused, nothing may have changed.
    await().atMost(WAIT).until(() -> health().contains("not reloaded"));
    assertThat(a.isOpen()).isTrue();
    assertThat(chat("reload-a")).isEqualTo(200);
    assertThat(ConnectorPeer.upgradeStatus(ws(), TOKEN_C)).isEqualTo(101);
    // Health says so (still UP: the tokens in force serve), naming the file and line, no token.
    String health = health();
    assertThat(health)
        .contains("\"connector_config\":\"not reloaded: connector config " + yaml.toAbsolutePath())
        .contains("line 3")
        .doesNotContain("tok-reload");

    // A removed: closed with 1008, its model gone, its token refused; B untouched.
    write(Map.of(), TOKEN_B, TOKEN_C);
    assertThat(a.awaitClose().getCloseCode().getCode()).isEqualTo(1008);
    assertThat(chat("reload-a")).isEqualTo(404);
    assertThat(ConnectorPeer.upgradeStatus(ws(), TOKEN_A)).isEqualTo(401);
    assertThat(b.isOpen()).isTrue();
    assertThat(chat("reload-b")).isEqualTo(200);
    assertThat(health()).contains("\"connector_config\":\"in force\"");
  }

  private String health() throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base.toString()).resolve("/health/live")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static List<Frame> answer(BlockingQueue<Request> seen, Request request) {
    seen.add(request);
    return List.of(
        new Head(request.id(), 200, Map.of("content-type", "application/json")),
        new Data(request.id(), "{\"ok\":true}"),
        End.of(request.id()));
  }

  /** Writes the file the way an editor's save does: a new file moved over the old one. */
  private static void write(Map<String, String> keyed, String... plain) throws Exception {
    StringBuilder text = new StringBuilder("connectors:\n");
    keyed.forEach(
        (token, key) ->
            text.append("  - token: \"")
                .append(token)
                .append("\"\n")
                .append("    llm_api_key: \"")
                .append(key)
                .append("\"\n"));
    for (String token : plain) {
      text.append("  - token: \"").append(token).append("\"\n");
    }
    Path next = Files.createTempFile(yaml.getParent(), "connectors-reload-it", ".tmp");
    Files.writeString(next, text);
    Files.move(
        next,
        yaml,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private int chat(String model) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base.toString()).resolve("/v1/chat/completions"))
            .timeout(WAIT)
            .header("Authorization", "Bearer " + USER_KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\"}"))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private URI ws() {
    return URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
  }

  private ConnectorPeer attach(String token, String... models) throws Exception {
    ConnectorPeer peer = ConnectorPeer.attach(ws(), token, models);
    peers.add(peer);
    return peer;
  }
}
