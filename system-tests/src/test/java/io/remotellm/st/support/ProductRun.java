package io.remotellm.st.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** Starts the broker and connectors through their launchers, and waits until they serve. */
public final class ProductRun {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ProductRun() {}

  /** A broker on Payara Micro with these users' keys and a connector config file. */
  public static ProductProcess startBroker(
      String name, int port, int healthPort, String userKey, Path connectorConfig) {
    ProductProcess broker =
        ProductProcess.start(
            name,
            "remotellm-broker",
            List.of(
                "--host", "127.0.0.1",
                "--port", String.valueOf(port),
                "--health-port", String.valueOf(healthPort),
                "--connector-config", connectorConfig.toString()),
            // The key goes in through the seed's env variable, as a service's env file would.
            Map.of("REMOTELLM_BROKER_USER_API_KEYS", userKey));
    awaitBroker(broker, port, userKey);
    return broker;
  }

  /** As {@link #awaitBroker(ProductProcess, int, String, Duration)}, three minutes at most. */
  public static void awaitBroker(ProductProcess broker, int port, String userKey) {
    awaitBroker(broker, port, userKey, Duration.ofSeconds(180));
  }

  /**
   * Waits until the broker's API answers an authenticated {@code /v1/models} with 200, and fails if
   * it answered anything else before: a starting broker keeps its API port closed until it serves
   * (Payara Micro would otherwise answer its own 404 and then an empty 500 for tens of seconds
   * while it deploys the WAR; docs/cluster.md). A broker that exits ends the wait at once.
   */
  public static void awaitBroker(
      ProductProcess broker, int port, String userKey, Duration timeout) {
    HttpRequest models =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
            .header("Authorization", "Bearer " + userKey)
            .timeout(Duration.ofSeconds(10))
            .build();
    Map<Integer, Integer> early = new ConcurrentSkipListMap<>();
    Wait.until(
        broker.name() + " to serve /v1/models on port " + port,
        timeout,
        () -> {
          if (!broker.isAlive()) {
            return true;
          }
          int status = status(models);
          if (status != 200 && status != -1) {
            early.merge(status, 1, Integer::sum);
          }
          return status == 200;
        });
    if (!broker.isAlive()) {
      throw new AssertionError(broker.name() + " exited:\n" + tail(broker.output()));
    }
    assertThat(early)
        .as(
            "statuses (and how often) %s answered on port %d before it served; a starting broker"
                + " must refuse connections instead",
            broker.name(), port)
        .isEmpty();
  }

  /** A connector process; {@code extraArgs} are appended to the seed's flags. */
  public static ProductProcess startConnector(
      String name,
      String llmUrl,
      int brokerPort,
      String token,
      int healthPort,
      List<String> models,
      List<String> extraArgs) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--llm-url", llmUrl));
    // No /ws path on purpose: the connector adds it, as a user might leave it out.
    args.addAll(List.of("--broker-url", "ws://127.0.0.1:" + brokerPort));
    args.addAll(List.of("--health-port", String.valueOf(healthPort)));
    for (String model : models) {
      args.addAll(List.of("--model", model));
    }
    args.addAll(extraArgs);
    // The token goes through the seed's env variable, so it is not on a command line (ps).
    return ProductProcess.start(
        name, "remotellm-connector", args, Map.of("REMOTELLM_BROKER_TOKEN", token));
  }

  public static void awaitReady(ProductProcess connector, int healthPort, Duration timeout) {
    Wait.until(
        connector.name() + " to be ready",
        timeout,
        () -> {
          if (!connector.isAlive()) {
            throw new AssertionError(connector.name() + " exited:\n" + tail(connector.output()));
          }
          return status(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/ready"))
                      .build())
              == 200;
        });
  }

  public static int status(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  public static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public static Path writeConnectorConfig(Map<String, String> tokenToLlmKey) {
    StringBuilder yaml = new StringBuilder("connectors:\n");
    tokenToLlmKey.forEach(
        (token, key) -> {
          yaml.append("  - token: \"").append(token).append("\"\n");
          if (!key.isEmpty()) {
            yaml.append("    llm_api_key: \"").append(key).append("\"\n");
          }
        });
    try {
      Path file = Files.createTempFile(ProductProcess.logDir(), "connectors", ".yaml");
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String tail(String text) {
    String[] lines = text.split("\n");
    int from = Math.max(0, lines.length - 30);
    return String.join("\n", List.of(lines).subList(from, lines.length));
  }
}
