package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Generated frames and generated garbage through the codec: whatever a peer sends, decoding fails
 * only with {@link ProtocolException} (which the broker and connector log and skip) and its message
 * never quotes the frame's content, and every frame we can build survives encode → decode
 * unchanged.
 */
class FrameCodecPropertyTest {

  private static final FrameCodec CODEC = new FrameCodec();

  /** Stands for a prompt or a key inside a frame. */
  private static final String SECRET = "SECRET";

  /** The codec's own messages: it says what is wrong, in its words, never the input's. */
  private static final String OWN_MESSAGE =
      "(?s)(empty frame|invalid frame: .*|unknown frame type '.*')";

  @AfterContainer
  static void close() {
    CODEC.close();
  }

  @Property(tries = 2000)
  void everyFrameRoundTrips(@ForAll("frames") Frame frame) throws ProtocolException {
    assertThat(CODEC.decode(CODEC.encode(frame))).isEqualTo(frame);
  }

  @Property(tries = 2000)
  void arbitraryTextFailsOnlyWithAProtocolException(@ForAll("garbage") String text) {
    try {
      CODEC.decode(text);
    } catch (ProtocolException expected) {
      // The one way a bad frame may fail (anything else fails the property); some of the
      // garbage carries "SECRET" in an id, and the message must not quote it.
      assertThat(expected.getMessage()).doesNotContain(SECRET).matches(OWN_MESSAGE);
    }
  }

  @Property(tries = 2000)
  void mutatedFramesFailOnlyWithAProtocolExceptionThatQuotesNoContent(
      @ForAll("framesWithSecrets") Frame frame, @ForAll("mutations") Mutation mutation) {
    String encoded = CODEC.encode(frame);
    // The generator put the marker in every id and text field: a quoting message would show it.
    assertThat(encoded).contains(SECRET);
    String text = mutation.apply(encoded);
    try {
      CODEC.decode(text);
    } catch (ProtocolException expected) {
      assertThat(expected.getMessage()).doesNotContain(SECRET).matches(OWN_MESSAGE);
    }
  }

  // ---- generators --------------------------------------------------------------------------

  @Provide
  Arbitrary<Frame> frames() {
    return framesOf(
        Arbitraries.strings().ofMinLength(1).ofMaxLength(40),
        Arbitraries.strings().ofMaxLength(200));
  }

  /** Frames whose every id and free text holds {@link #SECRET}. */
  @Provide
  Arbitrary<Frame> framesWithSecrets() {
    Arbitrary<String> around = Arbitraries.strings().ofMaxLength(20);
    Arbitrary<String> withSecret = Combinators.combine(around, around).as((a, b) -> a + SECRET + b);
    // A models frame has no id or text: it (or a batch of only such) carries no secret.
    return framesOf(withSecret, withSecret).filter(f -> CODEC.encode(f).contains(SECRET));
  }

  private Arbitrary<Frame> framesOf(Arbitrary<String> id, Arbitrary<String> text) {
    // A batch holds any frames but batches, so the generator nests one level.
    Arbitrary<Frame> single = singleFrames(id, text);
    return Arbitraries.frequencyOf(
        Tuple.of(5, single), Tuple.of(1, single.list().ofMinSize(1).ofMaxSize(6).map(Batch::new)));
  }

  Arbitrary<Frame> singleFrames(Arbitrary<String> id, Arbitrary<String> text) {
    Arbitrary<Integer> status = Arbitraries.integers().between(100, 599);
    Arbitrary<Map<String, String>> headers =
        Arbitraries.maps(Arbitraries.strings().ofMinLength(1).ofMaxLength(20), text).ofMaxSize(5);
    Arbitrary<List<String>> models =
        Arbitraries.strings()
            .alpha()
            .numeric()
            .withChars('-', '.', ':', '/')
            .ofMinLength(1)
            .ofMaxLength(30)
            .list()
            .ofMaxSize(5);
    Arbitrary<List<String>> apis =
        Arbitraries.of("openai", "responses", "anthropic", "ollama", "x-future")
            .list()
            .ofMaxSize(4)
            .injectNull(0.3);
    Arbitrary<String> api = Arbitraries.of("openai", "responses", "anthropic").injectNull(0.3);
    return Arbitraries.oneOf(
        Combinators.combine(
                Arbitraries.integers().between(1, 5),
                text,
                models,
                Arbitraries.integers().between(1, 100_000),
                apis)
            .as(Hello::new),
        models.map(ModelsChanged::new),
        Combinators.combine(id, status, headers).as(Head::new),
        Combinators.combine(id, text).as(Data::new),
        Combinators.combine(id, text, text).as(Data::new),
        id.map(End::of),
        Combinators.combine(id, Arbitraries.integers().between(0, 10_000))
            .as((i, n) -> new End(i, Json.createObjectBuilder().add("total_tokens", n).build())),
        Combinators.combine(
                id, status, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20), text)
            .as(Failure::new),
        Combinators.combine(
                id,
                Arbitraries.integers().between(1, 3600),
                Arbitraries.integers().between(1, 5).injectNull(0.3))
            .as(Welcome::new),
        Combinators.combine(
                id,
                Arbitraries.of("POST", "GET"),
                id,
                headers,
                text,
                Arbitraries.of(true, false),
                api,
                text.injectNull(0.5))
            .as(Request::new),
        Combinators.combine(id, text).as(Cancel::new));
  }

  @Provide
  Arbitrary<String> garbage() {
    Arbitrary<String> jsonish =
        Arbitraries.strings()
            .withChars("{}[]\":,0123456789.-eE truefalsnul\\type".toCharArray())
            .ofMaxLength(80);
    Arbitrary<String> typed =
        Combinators.combine(
                Arbitraries.of(
                    "hello",
                    "models",
                    "head",
                    "data",
                    "end",
                    "error",
                    "welcome",
                    "request",
                    "cancel",
                    "batch",
                    "",
                    "HEAD",
                    "nope",
                    "x-future-type"),
                Arbitraries.of(
                    "",
                    ",\"id\":1",
                    ",\"id\":null",
                    ",\"id\":\"SECRET\"",
                    ",\"status\":\"x\"",
                    ",\"status\":99999999999",
                    ",\"headers\":[]",
                    ",\"headers\":{\"a\":1}",
                    ",\"models\":\"x\"",
                    ",\"models\":[null]",
                    ",\"data\":{}",
                    ",\"usage\":3",
                    ",\"capacity\":-1",
                    ",\"protocol\":1.5",
                    ",\"stream\":\"yes\"",
                    ",\"id\":\"a\",\"data\":null",
                    ",\"frames\":[1]",
                    ",\"frames\":[{}]",
                    ",\"frames\":null",
                    ",\"id\":\"a\",\"status\":200,\"headers\":{\"k\":null}"),
                Arbitraries.of("}", "", "}}", "} x", "}\u0000"))
            .as((t, fields, end) -> "{\"type\":\"" + t + "\"" + fields + end);
    Arbitrary<String> numbers =
        Arbitraries.of(
            "1",
            "[]",
            "\"x\"",
            "null",
            "true",
            "{\"type\":1}",
            "{\"type\":null}",
            "{\"type\":[\"data\"]}",
            "  ",
            "\uFEFF{}",
            "{\"type\":\"data\",\"id\":\"a\",\"data\":" + "[".repeat(5000) + "}",
            "{\"type\":\"end\",\"id\":\"a\",\"usage\":"
                + "{\"a\":".repeat(2000)
                + "1"
                + "}".repeat(2001),
            "[".repeat(100_000));
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(100), jsonish, typed, numbers);
  }

  /** A change to an encoded frame: cut, insert or replace a character. */
  record Mutation(int kind, int at, char c) {
    String apply(String text) {
      int i = text.isEmpty() ? 0 : Math.floorMod(at, text.length());
      return switch (kind) {
        case 0 -> text.substring(0, i);
        case 1 -> text.substring(0, i) + c + text.substring(i);
        default -> text.isEmpty() ? text : text.substring(0, i) + c + text.substring(i + 1);
      };
    }
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers(),
            Arbitraries.chars().with('{', '}', '"', ',', ':', '[', ']', '\\', '0', 'x', '\u0000'))
        .as(Mutation::new);
  }
}
