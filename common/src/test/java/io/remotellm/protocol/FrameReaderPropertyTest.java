package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The hand-written reading of frames ({@link FrameReader}) against the JSON shapes a peer may send:
 * a field of the wrong JSON type is refused by name and never coerced into a value; unknown fields
 * and the order of the fields change nothing.
 */
class FrameReaderPropertyTest {

  private static final FrameCodec CODEC = new FrameCodec();

  private static final Set<String> KNOWN =
      Set.of(
          "type",
          "id",
          "data",
          "event",
          "status",
          "headers",
          "usage",
          "code",
          "message",
          "method",
          "path",
          "body",
          "stream",
          "api",
          "query",
          "reason",
          "protocol",
          "connector",
          "models",
          "capacity",
          "apis",
          "connectorId",
          "heartbeatSeconds",
          "frames");

  private static final JsonObject SAMPLES =
      parse("{\"s\":\"7\",\"n\":7,\"t\":true,\"o\":{\"a\":\"b\"},\"a\":[\"x\"],\"z\":null}");

  @Property(tries = 1000)
  void aFieldOfTheWrongTypeIsRefusedByName(
      @ForAll("singleFrames") Frame frame, @ForAll("seeds") long seed) {
    Random random = new Random(seed);
    JsonObject object = parse(CODEC.encode(frame));
    List<String> fields = new ArrayList<>(object.keySet());
    fields.remove("type");
    if (fields.isEmpty()) {
      return;
    }
    String field = fields.get(random.nextInt(fields.size()));
    JsonValue original = object.get(field);
    boolean inside = random.nextBoolean() && !"usage".equals(field);
    JsonValue wrong =
        inside && original instanceof JsonObject o && !o.isEmpty()
            ? withFirstMember(o, SAMPLES.get("n"))
            : inside && original instanceof JsonArray a && !a.isEmpty()
                ? Json.createArrayBuilder(a).set(0, SAMPLES.get("t")).build()
                : wrongTypeFor(original, frame instanceof Welcome, random);
    String text = Json.createObjectBuilder(object).add(field, wrong).build().toString();
    assertThatThrownBy(() -> CODEC.decode(text))
        .isInstanceOf(ProtocolException.class)
        .isNotInstanceOf(UnknownFrameTypeException.class)
        .hasMessageContaining("'" + field + "'");
  }

  @Property(tries = 1000)
  void unknownFieldsAndFieldOrderChangeNothing(
      @ForAll("frames") Frame frame,
      @ForAll("unknownNames") String name,
      @ForAll("anyValues") JsonValue value,
      @ForAll("seeds") long seed)
      throws ProtocolException {
    JsonObject object = parse(CODEC.encode(frame));
    List<String> order = new ArrayList<>(object.keySet());
    order.add(name);
    Collections.shuffle(order, new Random(seed));
    JsonObjectBuilder shuffled = Json.createObjectBuilder();
    for (String key : order) {
      shuffled.add(key, key.equals(name) ? value : object.get(key));
    }
    assertThat(CODEC.decode(shuffled.build().toString())).isEqualTo(frame);
  }

  // ---- generators --------------------------------------------------------------------------

  @Provide
  Arbitrary<Frame> singleFrames() {
    return new FrameCodecPropertyTest()
        .singleFrames(
            Arbitraries.strings().ofMinLength(1).ofMaxLength(20),
            Arbitraries.strings().ofMaxLength(40));
  }

  @Provide
  Arbitrary<Frame> frames() {
    return new FrameCodecPropertyTest().frames();
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  @Provide
  Arbitrary<String> unknownNames() {
    return Arbitraries.strings().ofMinLength(1).ofMaxLength(12).filter(n -> !KNOWN.contains(n));
  }

  @Provide
  Arbitrary<JsonValue> anyValues() {
    return Arbitraries.of(SAMPLES.values());
  }

  /**
   * A value of another JSON type than {@code original}, and never a null where one is allowed: for
   * text, lists and objects, and for the one number that may be left out, {@code welcome}'s {@code
   * protocol} (a version 1 broker sends none).
   */
  private static JsonValue wrongTypeFor(JsonValue original, boolean welcome, Random random) {
    List<JsonValue> choices = new ArrayList<>();
    for (JsonValue sample : SAMPLES.values()) {
      boolean sameType =
          sample.getValueType() == original.getValueType()
              || (isBoolean(sample) && isBoolean(original));
      boolean nullForAText =
          sample == JsonValue.NULL
              && (welcome
                  || original.getValueType() == JsonValue.ValueType.STRING
                  || original instanceof JsonObject
                  || original instanceof JsonArray);
      if (!sameType && !nullForAText) {
        choices.add(sample);
      }
    }
    return choices.get(random.nextInt(choices.size()));
  }

  private static boolean isBoolean(JsonValue v) {
    return v == JsonValue.TRUE || v == JsonValue.FALSE;
  }

  private static JsonObject withFirstMember(JsonObject object, JsonValue value) {
    String first = object.keySet().iterator().next();
    return Json.createObjectBuilder(object).add(first, value).build();
  }

  private static JsonObject parse(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }
}
