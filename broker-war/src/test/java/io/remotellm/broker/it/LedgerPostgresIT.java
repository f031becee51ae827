package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.PLAIN_TOKEN;
import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.broker.ledger.PostgresCluster;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opentest4j.TestAbortedException;

/**
 * The broker on Payara Micro with its ledger in a real PostgreSQL (a cluster of the test's own):
 * the database is stopped in the middle of a load and started again; every request is answered, and
 * once the database is back every request has its row, with the usage the LLM reported. Needs the
 * Debian package postgresql (skipped without it, except in CI).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class LedgerPostgresIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String MODEL = "ledger-pg-model";
  private static final int REQUESTS = 300;

  private static PostgresCluster postgres;

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();

  @Deployment(testable = false)
  static WebArchive deployment() throws Exception {
    String database = "";
    try {
      postgres = PostgresCluster.start();
      database =
          String.join(
              "\n",
              "remotellm.broker.database-url=" + postgres.url(),
              "remotellm.broker.database-user=" + PostgresCluster.USER,
              "remotellm.broker.database-password-file=" + postgres.passwordFile(),
              "");
    } catch (TestAbortedException e) {
      postgres = null; // the test says why it is skipped
    }
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + USER_KEY,
            "remotellm.broker.connector-tokens=" + PLAIN_TOKEN,
            database));
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  private Connection jdbc() throws Exception {
    Properties credentials = new Properties();
    credentials.setProperty("user", PostgresCluster.USER);
    credentials.setProperty("password", PostgresCluster.PASSWORD);
    return DriverManager.getConnection(postgres.url(), credentials);
  }

  private long count(String sql) throws Exception {
    try (Connection c = jdbc();
        PreparedStatement s = c.prepareStatement(sql);
        ResultSet rs = s.executeQuery()) {
      return rs.next() ? rs.getLong(1) : -1;
    }
  }

  @Test
  void databaseStoppedMidLoadFailsNoRequestAndLosesNoRow() throws Exception {
    Assumptions.assumeTrue(
        postgres != null,
        "PostgreSQL is not installed (Debian package postgresql: apt-get install -y postgresql)");
    // The broker made the schema with Flyway at start.
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> count("SELECT count(*) FROM usage_record") == 0);

    ConnectorPeer peer =
        ConnectorPeer.attach(
            URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws"),
            PLAIN_TOKEN,
            MODEL);
    peer.autoAnswer(
        request -> {
          List<Frame> frames = new ArrayList<>();
          frames.add(new Head(request.id(), 200, Map.of("content-type", "application/json")));
          frames.add(
              new Data(
                  request.id(),
                  "{\"object\":\"chat.completion\",\"choices\":[],"
                      + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5}}"));
          frames.add(End.of(request.id()));
          return frames;
        });
    try {
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        if (i == 100) {
          postgres.stopServer();
        }
        if (i == 200) {
          postgres.startServer();
        }
        answers.add(
            http.sendAsync(
                HttpRequest.newBuilder(URI.create(base.toString()).resolve("/v1/chat/completions"))
                    .timeout(WAIT)
                    .header("Authorization", "Bearer " + USER_KEY)
                    .header("Content-Type", "application/json")
                    .header("x-request-id", "pg-load-" + i)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"" + MODEL + "\",\"messages\":[]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
        if (i % 20 == 19) {
          // A steady load, not one burst: some requests end while the database is away.
          answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
      }
      int failed = 0;
      for (CompletableFuture<HttpResponse<String>> answer : answers) {
        if (answer.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode() != 200) {
          failed++;
        }
      }
      assertThat(failed).as("failed requests").isZero();

      await()
          .atMost(Duration.ofSeconds(90))
          .ignoreExceptions()
          .until(
              () ->
                  count("SELECT count(*) FROM usage_record WHERE request_id LIKE 'pg-load-%'")
                      == REQUESTS);
      assertThat(count("SELECT count(DISTINCT request_id) FROM usage_record")).isEqualTo(REQUESTS);
      assertThat(
              count(
                  "SELECT count(*) FROM usage_record WHERE input_tokens = 3"
                      + " AND output_tokens = 5 AND status = 200 AND NOT estimated"))
          .isEqualTo(REQUESTS);
      assertThat(count("SELECT sum(requests) FROM usage_daily WHERE model = '" + MODEL + "'"))
          .isEqualTo(REQUESTS);
      assertThat(count("SELECT sum(output_tokens) FROM usage_daily WHERE model = '" + MODEL + "'"))
          .isEqualTo(5L * REQUESTS);
    } finally {
      peer.close();
    }
  }
}
