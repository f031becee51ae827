package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {

  private static final FrameCodec CODEC = new FrameCodec();

  @AfterAll
  static void close() {
    CODEC.close();
  }

  static Stream<Arguments> fixtures() {
    return Stream.of(
        Arguments.of(
            "hello",
            new Hello(1, "remotellm-connector/0.1.0", List.of("llama3.2", "codellama"), 8)),
        Arguments.of(
            "hello-apis",
            new Hello(
                2,
                "remotellm-connector/0.2.0",
                List.of("llama3.2:latest"),
                8,
                List.of("openai", "responses", "anthropic", "ollama"))),
        Arguments.of(
            "data-event", new Data("req-1", "{\"type\":\"message_stop\"}", "message_stop")),
        Arguments.of(
            "request-api",
            new Request(
                "req-2",
                "POST",
                "/v1/messages",
                Map.of(
                    "x-request-id",
                    "req-2",
                    "anthropic-version",
                    "2023-06-01",
                    "authorization",
                    "Bearer sk-llm"),
                "{\"model\":\"llama3.2\",\"stream\":true}",
                true,
                "anthropic")),
        Arguments.of(
            "request-query",
            new Request(
                "req-3",
                "GET",
                "/v1/responses/resp_1",
                Map.of("x-request-id", "req-3"),
                "",
                false,
                "responses",
                "include%5B%5D=x&limit=2")),
        Arguments.of("models", new ModelsChanged(List.of("llama3.2"))),
        Arguments.of("head", new Head("req-1", 200, Map.of("content-type", "text/event-stream"))),
        Arguments.of(
            "data",
            new Data(
                "req-1", "{\"choices\":[{\"delta\":{\"content\":\"Hi é \\\"there\\\"\\n\"}}]}")),
        Arguments.of(
            "end",
            new End(
                "req-1",
                Json.createObjectBuilder()
                    .add("prompt_tokens", 5)
                    .add("completion_tokens", 7)
                    .add("total_tokens", 12)
                    .build())),
        Arguments.of("error", new Failure("req-1", 502, "upstream_error", "LLM unreachable")),
        Arguments.of("welcome", new Welcome("c-1a2b", 15, 2)),
        Arguments.of(
            "request",
            new Request(
                "req-1",
                "POST",
                "/v1/chat/completions",
                Map.of("x-request-id", "req-1", "authorization", "Bearer sk-llm"),
                "{\"model\":\"llama3.2\",\"stream\":true}",
                true)),
        Arguments.of("cancel", new Cancel("req-1", "client disconnected")),
        Arguments.of(
            "batch",
            new Batch(
                List.of(
                    new Head("req-1", 200, Map.of("content-type", "application/json")),
                    new Data("req-1", "{\"choices\":[]}"),
                    new End("req-1", null)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void decodesFixture(String name, Frame expected) throws Exception {
    assertThat(CODEC.decode(fixture(name))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void encodesToFixture(String name, Frame frame) throws Exception {
    assertThat(json(CODEC.encode(frame))).isEqualTo(json(fixture(name)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void roundTrips(String name, Frame frame) throws Exception {
    assertThat(CODEC.decode(CODEC.encode(frame))).isEqualTo(frame);
  }

  @Test
  void typeNeedNotComeFirst() throws Exception {
    assertThat(CODEC.decode("{\"id\":\"r\",\"reason\":\"x\",\"type\":\"cancel\"}"))
        .isEqualTo(new Cancel("r", "x"));
  }

  @Test
  void whitespaceAfterTheFrameIsAllowed() throws Exception {
    assertThat(CODEC.decode(" {\"type\":\"cancel\",\"id\":\"r\",\"reason\":\"}\\\"{\"}\r\n\t "))
        .isEqualTo(new Cancel("r", "}\"{"));
  }

  @Test
  void dataPayloadIsKeptVerbatim() throws Exception {
    String payload = "{\"a\":\"\\u00e9\\ud83d\\ude00 \\t\",\"b\":[1,2.50,3e2]}  ";
    Data decoded = (Data) CODEC.decode(CODEC.encode(new Data("x", payload)));
    assertThat(decoded.data()).isEqualTo(payload);
  }

  @Test
  void welcomeOfAVersion1BrokerReadsAsProtocol1() throws Exception {
    Welcome w =
        (Welcome)
            CODEC.decode("{\"type\":\"welcome\",\"connectorId\":\"c\",\"heartbeatSeconds\":15}");
    assertThat(w.protocol()).isEqualTo(1);
    assertThat(w.batches()).isFalse();
    assertThat(w.binary()).isFalse();
    assertThat(new Welcome("c", 15, 2).batches()).isTrue();
    assertThat(new Welcome("c", 15, 2).binary()).isFalse();
    assertThat(new Welcome("c", 15, 3).binary()).isTrue();
  }

  @Test
  void batchKeepsItsFramesInOrder() throws Exception {
    String text =
        "{\"type\":\"batch\",\"frames\":[{\"type\":\"data\",\"id\":\"a\",\"data\":\"1\"},"
            + "{\"type\":\"cancel\",\"id\":\"b\",\"reason\":\"x\"},"
            + "{\"type\":\"data\",\"id\":\"a\",\"data\":\"2\"}]}";
    assertThat(((Batch) CODEC.decode(text)).frames())
        .containsExactly(new Data("a", "1"), new Cancel("b", "x"), new Data("a", "2"));
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    assertThat(CODEC.decode("{\"type\":\"cancel\",\"id\":\"r\",\"future\":{\"x\":1}}"))
        .isEqualTo(new Cancel("r", ""));
  }

  @Test
  void onlyAUriQueryIsValid() {
    assertThat(Request.isValidQuery(null)).isTrue();
    assertThat(Request.isValidQuery("include%5B%5D=a.b&x=1/2?y=z:%20")).isTrue();
    assertThat(Request.isValidQuery("y[]=z")).isFalse();
    assertThat(Request.isValidQuery("a=b c")).isFalse();
    assertThat(Request.isValidQuery("a=b#frag")).isFalse();
    assertThat(Request.isValidQuery("a=\r\nX-Evil: 1")).isFalse();
    assertThat(Request.isValidQuery("a=é")).isFalse();
    assertThat(Request.isValidQuery("a=%zz")).isFalse();
    assertThat(Request.isValidQuery("a=%4")).isFalse();
    assertThat(Request.isValidQuery("a=" + "x".repeat(Request.MAX_QUERY))).isFalse();
    // An empty query is none.
    assertThat(new Request("r", "GET", "/v1/x", null, "", false, null, "").query()).isNull();
  }

  @Test
  void unknownTypeIsTyped() {
    assertThatThrownBy(() -> CODEC.decode("{\"type\":\"teleport\",\"id\":\"r\"}"))
        .isInstanceOf(UnknownFrameTypeException.class)
        .hasMessageContaining("teleport");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not json",
        "{",
        "[]",
        "[{\"type\":\"cancel\",\"id\":\"r\"}]",
        "\"cancel\"",
        "42",
        "null",
        "{}",
        "{\"type\":null}",
        "{\"type\":7,\"id\":\"r\"}",
        "{\"type\":\"cancel\"}",
        "{\"type\":\"cancel\",\"id\":\"\"}",
        "{\"type\":\"cancel\",\"id\":\"r\"} trailing",
        "{\"type\":\"cancel\",\"id\":\"r\"}}",
        "{\"type\":\"cancel\",\"id\":\"r\",\"reason\":\"}\\\"]\"} {}",
        "{\"type\":\"data\",\"id\":\"r\"}",
        "{\"type\":\"head\",\"id\":\"r\"}",
        "{\"type\":\"head\",\"id\":\"r\",\"status\":\"ok\"}",
        "{\"type\":\"head\",\"id\":\"r\",\"status\":200,\"headers\":[1]}",
        "{\"type\":\"hello\",\"protocol\":1,\"models\":\"llama\",\"capacity\":1}",
        "{\"type\":\"hello\",\"protocol\":1,\"models\":[\"a\"],\"capacity\":0}",
        "{\"type\":\"hello\",\"protocol\":1,\"models\":[\"\"],\"capacity\":1}",
        "{\"type\":\"hello\",\"protocol\":1,\"models\":[null],\"capacity\":1}",
        "{\"type\":\"welcome\",\"connectorId\":\"c\",\"heartbeatSeconds\":-1}",
        "{\"type\":\"request\",\"id\":\"r\",\"method\":\"POST\"}",
        "{\"type\":\"error\",\"id\":\"r\",\"status\":42}",
        "{\"type\":\"end\",\"id\":\"r\",\"usage\":\"lots\"}",
        "{\"type\":\"welcome\",\"connectorId\":\"c\",\"heartbeatSeconds\":1,\"protocol\":0}",
        "{\"type\":\"batch\"}",
        "{\"type\":\"batch\",\"frames\":[]}",
        "{\"type\":\"batch\",\"frames\":[null]}",
        "{\"type\":\"batch\",\"frames\":{\"type\":\"end\",\"id\":\"r\"}}",
        "{\"type\":\"batch\",\"frames\":[{\"type\":\"end\"}]}",
        "{\"type\":\"batch\",\"frames\":[{\"id\":\"r\"}]}",
        "{\"type\":\"batch\",\"frames\":[{\"type\":\"end\",\"id\":\"r\"},7]}",
        "{\"type\":\"batch\",\"frames\":[{\"type\":\"batch\",\"frames\":[{\"type\":\"end\",\"id\":\"r\"}]}]}"
      })
  void malformedInputIsAProtocolError(String text) {
    assertThatThrownBy(() -> CODEC.decode(text))
        .isInstanceOf(ProtocolException.class)
        .isNotInstanceOf(UnknownFrameTypeException.class);
  }

  @Test
  void errorsNeverQuoteTheFrame() {
    String secret = "sk-secret-0123456789";
    assertThatThrownBy(
            () ->
                CODEC.decode(
                    "{\"type\":\"request\",\"id\":\"r\",\"method\":\"POST\",\"path\":\"/\","
                        + "\"headers\":{\"authorization\":[\""
                        + secret
                        + "\"]}}"))
        .isInstanceOf(ProtocolException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
    assertThatThrownBy(() -> CODEC.decode("{\"type\":\"data\",\"id\":\"r\",\"data\":" + secret))
        .isInstanceOf(ProtocolException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
  }

  @Test
  void requestToStringHidesHeadersAndBody() {
    Request r =
        new Request(
            "r",
            "POST",
            "/v1/chat/completions",
            Map.of("authorization", "Bearer sk-x"),
            "{}",
            false);
    assertThat(r.toString()).doesNotContain("sk-x").contains("/v1/chat/completions");
  }

  @Test
  void decodeEachHandsOnABatchsFramesInOrderAndALoneFrameAsItself() throws Exception {
    List<Frame> seen = new ArrayList<>();
    CODEC.decodeEach(
        CODEC.encode(new Batch(List.of(new Data("a", "1"), End.of("a"), new Data("b", "2")))),
        seen::add);
    CODEC.decodeEach(CODEC.encode(new Data("c", "3")), seen::add);
    assertThat(seen)
        .containsExactly(new Data("a", "1"), End.of("a"), new Data("b", "2"), new Data("c", "3"));
  }

  @Test
  void decodeEachHandsOnNothingOfABrokenBatch() {
    List<Frame> seen = new ArrayList<>();
    assertThatThrownBy(
            () ->
                CODEC.decodeEach(
                    "{\"type\":\"batch\",\"frames\":[{\"type\":\"data\",\"id\":\"a\","
                        + "\"data\":\"1\"},{\"type\":\"end\"}]}",
                    seen::add))
        .isInstanceOf(ProtocolException.class);
    assertThat(seen).isEmpty();
  }

  private static String fixture(String name) throws IOException {
    try (InputStream in = FrameCodecTest.class.getResourceAsStream("/frames/" + name + ".json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }

  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }
}
