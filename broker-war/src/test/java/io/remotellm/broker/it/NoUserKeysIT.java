package io.remotellm.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A broker started without user API keys (and without anonymous access) serves nobody. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class NoUserKeysIT {

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Deployment(testable = false)
  static WebArchive deployment() {
    return TestDeployments.broker(
        "remotellm.broker.connector-tokens=" + TestDeployments.PLAIN_TOKEN + "\n");
  }

  @Test
  void apiRefusesEveryoneAndSaysWhy() throws Exception {
    ConnectorPeer peer =
        ConnectorPeer.attach(
            URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws"),
            TestDeployments.PLAIN_TOKEN,
            "lonely-model");
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base.toString()).resolve("/v1/chat/completions"))
                  .timeout(Duration.ofSeconds(15))
                  .header("Authorization", "Bearer anything")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"lonely-model\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(401);
      JsonObject error =
          Json.createReader(new StringReader(r.body())).readObject().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("invalid_api_key");
      assertThat(error.getString("message")).contains("No user API keys are configured");

      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(URI.create(base.toString()).resolve("/health/ready")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("no user API keys configured");
    } finally {
      peer.close();
    }
  }

  @Test
  void withoutAnAdminKeyThereIsNoAdminPageNorApi() throws Exception {
    for (String path :
        new String[] {"/admin", "/admin/", "/admin/admin.js", "/admin/api/overview"}) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                  .timeout(Duration.ofSeconds(15))
                  .header("x-admin-key", "anything")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(404);
    }
  }

  @Test
  void withoutAMetricsTokenThereIsNoMetricsEndpoint() throws Exception {
    for (String auth : new String[] {null, "Bearer anything"}) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(base.toString()).resolve("/metrics"))
              .timeout(Duration.ofSeconds(15));
      if (auth != null) {
        request.header("Authorization", auth);
      }
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).doesNotContain("remotellm_");
    }
  }
}
