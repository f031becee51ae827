package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.PLAIN_TOKEN;
import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10: the body's {@code stream} decides between SSE and JSON, whatever {@code Accept} says.
 * The official Node and Python SDKs send {@code Accept: application/json} on streamed calls, and
 * before the fix every one of them got 406. Each relayed endpoint, {@code stream} true and false,
 * each kind of {@code Accept} a client sends: the answer is the kind the body asked for.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AcceptHeaderIT {

  /** The Accept headers clients send; null sends none (the JDK's client adds none of its own). */
  static final List<String> ACCEPTS =
      Arrays.asList(
          "application/json",
          "text/event-stream",
          "*/*",
          null,
          "application/json, text/plain, */*",
          "text/event-stream;q=0.9, application/json",
          "text/html, application/xml;q=0.9");

  private static final String JSON_ANSWER =
      "{\"id\":\"cmpl-accept\",\"object\":\"chat.completion\"}";
  private static final String EVENT = "{\"object\":\"chat.completion.chunk\",\"n\":1}";

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Deployment(testable = false)
  static WebArchive deployment() {
    return TestDeployments.broker(
        "remotellm.broker.user-api-keys="
            + USER_KEY
            + "\n"
            + "remotellm.broker.connector-tokens="
            + PLAIN_TOKEN
            + "\n");
  }

  @Test
  void theBodyDecidesSseOrJsonWhateverAcceptSays() throws Exception {
    try (ConnectorPeer peer =
        ConnectorPeer.attach(
            URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws"),
            PLAIN_TOKEN,
            "accept-model")) {
      // An LLM answers a stream as SSE and anything else as JSON; the broker must pass either on.
      peer.autoAnswer(
          request -> {
            List<Frame> frames = new ArrayList<>();
            String id = request.id();
            if (request.stream()) {
              frames.add(new Head(id, 200, Map.of("content-type", "text/event-stream")));
              frames.add(new Data(id, EVENT));
            } else {
              frames.add(new Head(id, 200, Map.of("content-type", "application/json")));
              frames.add(new Data(id, JSON_ANSWER));
            }
            frames.add(End.of(id));
            return frames;
          });
      SoftAssertions soft = new SoftAssertions();
      for (String path : List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings")) {
        for (boolean stream : new boolean[] {true, false}) {
          for (String accept : ACCEPTS) {
            // Embeddings have no streamed form: JSON whatever the body says.
            boolean sse = stream && !path.equals("/v1/embeddings");
            check(soft, path, stream, accept, sse);
          }
        }
      }
      for (String accept : ACCEPTS) {
        HttpResponse<String> models = send(get("/v1/models", accept));
        String what = "GET /v1/models, Accept: " + accept;
        soft.assertThat(models.statusCode()).as(what + "; body " + models.body()).isEqualTo(200);
        soft.assertThat(models.headers().firstValue("content-type"))
            .as(what)
            .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        soft.assertThat(models.body()).as(what).contains("\"accept-model\"");
      }
      soft.assertAll();
    }
  }

  private void check(SoftAssertions soft, String path, boolean stream, String accept, boolean sse)
      throws Exception {
    String body = "{\"model\":\"accept-model\",\"stream\":" + stream + ",\"input\":\"Hi\"}";
    HttpResponse<String> r = send(post(path, body, accept));
    String what = "POST " + path + " stream=" + stream + ", Accept: " + accept;
    soft.assertThat(r.statusCode()).as(what + "; body " + r.body()).isEqualTo(200);
    soft.assertThat(r.headers().firstValue("content-type"))
        .as(what)
        .hasValueSatisfying(
            t -> assertThat(t).startsWith(sse ? "text/event-stream" : "application/json"));
    if (sse) {
      soft.assertThat(r.body())
          .as(what)
          .contains("data: " + EVENT + "\n\n")
          .endsWith("data: [DONE]\n\n");
    } else {
      soft.assertThat(r.body()).as(what).isEqualTo(JSON_ANSWER);
    }
  }

  private HttpRequest post(String path, String body, String accept) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + USER_KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return b.build();
  }

  private HttpRequest get(String path, String accept) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + USER_KEY);
    if (accept != null) {
      b.header("Accept", accept);
    }
    return b.build();
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
