package io.remotellm.st.reliability;

import jakarta.json.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generated HTTP requests for the bad-input test: bodies from valid to garbage, and headers a
 * careless or hostile client might send. jqwik's generators, used outside its engine, so the
 * requests can go to a broker that the JUnit lifecycle started.
 */
final class BadRequests {

  /** One request to send; an empty header value means the header is left out. */
  record Generated(String method, String path, String body, Map<String, Optional<String>> headers) {
    @Override
    public String toString() {
      return method + " " + path + " " + headers.keySet() + " body " + body.length() + " chars";
    }
  }

  private BadRequests() {}

  static Arbitrary<Generated> requests(String userKey, List<String> models) {
    Arbitrary<String> model =
        Arbitraries.oneOf(
            Arbitraries.of(models),
            Arbitraries.strings().ofMaxLength(300),
            Arbitraries.of(
                "",
                " ",
                "gpt-4\u0000",
                "../../etc/passwd",
                "\u202emodel",
                "m".repeat(5000),
                // Over the 256-character bound: 400, a short body, short log lines (issue 18);
                // 1 MB, as FaultsIT's body limit is 1 MiB (RelayAbuseIT sends 2 MB).
                "m".repeat(1_000_000),
                "x\ny\r\n{\"Level\":\"SEVERE\"}\u001b[2J",
                "a".repeat(257)));
    Arbitrary<String> jsonValue =
        Arbitraries.oneOf(
            Arbitraries.of(
                "true",
                "false",
                "null",
                "0",
                "-1",
                "1e999",
                "\"x\"",
                "[]",
                "{}",
                "\"\"",
                "[1,2",
                "{\"a\":",
                "123456789012345678901234567890"),
            Arbitraries.strings().ofMaxLength(40).map(BadRequests::quote));
    Arbitrary<String> wellFormed =
        Combinators.combine(model, jsonValue, jsonValue, Arbitraries.of(true, false))
            .as(
                (m, stream, extra, messages) ->
                    "{\"model\":"
                        + quote(m)
                        + ",\"stream\":"
                        + (stream.equals("\"x\"") ? "true" : stream)
                        + (messages ? ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" : "")
                        + ",\"extra\":"
                        + extra
                        + "}");
    Arbitrary<String> validChat =
        Combinators.combine(
                Arbitraries.of(models),
                Arbitraries.of(true, false),
                Arbitraries.strings().ofMaxLength(200))
            .as(
                (m, stream, content) ->
                    "{\"model\":"
                        + quote(m)
                        + ",\"stream\":"
                        + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":"
                        + quote(content)
                        + "}]}");
    Arbitrary<String> garbage =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(500),
            Arbitraries.strings()
                .withChars("{}[]\":,0123456789.-eE truefalsnul\\model stream".toCharArray())
                .ofMaxLength(200),
            Arbitraries.of(
                "",
                "null",
                "[]",
                "{}",
                "{\"model\":null}",
                "{\"model\":1}",
                "{\"model\":[\"a\"]}",
                "{\"model\":\"fake-model\",\"model\":\"x\"}",
                "{\"model\":\"fake-model\"} trailing",
                "{\"model\":\"fake-model\",\"stream\":\"yes\"}",
                "\uFEFF{\"model\":\"fake-model\"}",
                "[".repeat(10_000),
                "{\"a\":".repeat(3000)));
    Arbitrary<String> body =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, validChat),
            net.jqwik.api.Tuple.of(4, wellFormed),
            net.jqwik.api.Tuple.of(4, garbage));

    Arbitrary<Optional<String>> auth =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Arbitraries.just(Optional.of("Bearer " + userKey))),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(Optional.<String>empty())),
            net.jqwik.api.Tuple.of(
                1,
                Arbitraries.of(
                        "Bearer",
                        "Bearer ",
                        "Basic dXNlcjpwdw==",
                        "bearer " + userKey,
                        "Bearer " + userKey + "x",
                        "Bearer  " + userKey)
                    .map(Optional::of)),
            net.jqwik.api.Tuple.of(1, headerText().map(t -> Optional.of("Bearer " + t))));
    Arbitrary<Optional<String>> contentType =
        Arbitraries.oneOf(
            Arbitraries.of(
                    "application/json",
                    "application/json; charset=utf-8",
                    "text/plain",
                    "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x",
                    "*/*",
                    "application/json; charset=latin1",
                    "text/event-stream",
                    "application/xml")
                .map(Optional::of),
            // Not media types at all: Jersey refuses these before any filter or mapper of ours,
            // and the web module's error page gives them OpenAI's shape.
            Arbitraries.of("json", ";;;", "application/", "/json", "application/json;;charset")
                .map(Optional::of),
            Arbitraries.just(Optional.<String>empty()));
    Arbitrary<Optional<String>> accept =
        Arbitraries.oneOf(
            Arbitraries.of("text/event-stream", "application/json", "text/html", "*/*", "image/png")
                .map(Optional::of),
            Arbitraries.just(Optional.<String>empty()));
    Arbitrary<Optional<String>> requestId =
        Arbitraries.oneOf(
            Arbitraries.just(Optional.<String>empty()),
            headerText().map(Optional::of),
            Arbitraries.strings()
                .withCharRange('a', 'z')
                .ofMinLength(129)
                .ofMaxLength(400)
                .map(Optional::of));
    Arbitrary<String> method =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, Arbitraries.just("POST")),
            net.jqwik.api.Tuple.of(1, Arbitraries.of("GET", "PUT", "DELETE", "PATCH")));
    Arbitrary<String> path =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, Arbitraries.just("/v1/chat/completions")),
            net.jqwik.api.Tuple.of(
                1,
                Arbitraries.of(
                    "/v1/chat/completions/",
                    "/v1/models",
                    "/v1/completions",
                    "/v1/~relayed/streamed",
                    "/v1/~relayed/buffered",
                    "/v1/embeddings",
                    "/v1/",
                    "/v1/chat/completions?stream=true",
                    "/v1/chat//completions")),
            // Outside the API: the container's own 404, through the error page.
            net.jqwik.api.Tuple.of(
                1,
                Arbitraries.of(
                    "/",
                    "/v2/chat/completions",
                    "/chat/completions",
                    "/index.html",
                    "/error-page",
                    "/health",
                    "/WEB-INF/web.xml")));

    return Combinators.combine(method, path, body, auth, contentType, accept, requestId)
        .as(
            (m, p, b, a, ct, ac, id) ->
                // Bodies only where HTTP has them: Grizzly refuses a GET or DELETE with a body
                // (400,
                // before the application).
                new Generated(
                    m,
                    p,
                    m.equals("GET") || m.equals("DELETE") ? "" : b,
                    Map.of(
                        "Authorization", a, "Content-Type", ct, "Accept", ac, "x-request-id", id)));
  }

  /** Header values the JDK client lets through: visible ASCII and spaces, no line breaks. */
  private static Arbitrary<String> headerText() {
    return Arbitraries.strings()
        .withCharRange(' ', '~')
        .ofMinLength(1)
        .ofMaxLength(200)
        .map(String::strip)
        .filter(s -> !s.isEmpty());
  }

  /** A JSON string literal, escaped by the JSON library rather than by hand. */
  static String quote(String s) {
    return Json.createValue(s).toString();
  }
}
