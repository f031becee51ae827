package io.remotellm.broker.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.config.ConfigurationException;
import io.remotellm.broker.limits.Limits;
import io.remotellm.protocol.Fingerprint;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class UserConfigParserTest {

  private final UserConfigParser parser = new UserConfigParser();

  @Test
  void theIssuesExampleParsesWithDefaultsFilledIn() {
    String digest = HexFormat.of().formatHex(Fingerprint.sha256("sk-bob"));
    var config =
        parser.parse(
            """
            defaults: {requests_per_minute: 120}
            users:
              - name: alice
                api_key: "sk-alice-1"
                models: ["llama3.2", "qwen3*"]
                requests_per_minute: 60
                tokens_per_minute: 200000
                tokens_per_day: 5000000
                max_concurrent: 4
              - name: bob
                api_key_sha256: "%s"
            """
                .formatted(digest.toUpperCase()),
            "users.yaml");
    assertThat(config.defaults()).isEqualTo(new Limits(120, 0, 0, 0));
    User alice = config.users().get(0).user();
    assertThat(alice.name()).isEqualTo("alice");
    assertThat(alice.limits()).isEqualTo(new Limits(60, 200000, 5000000, 4));
    assertThat(alice.models().allows("qwen3:8b")).isTrue();
    assertThat(alice.models().allows("mistral")).isFalse();
    assertThat(config.users().get(0).keyDigest()).isEqualTo(Fingerprint.sha256("sk-alice-1"));
    User bob = config.users().get(1).user();
    assertThat(bob.limits()).isEqualTo(new Limits(120, 0, 0, 0));
    assertThat(bob.models().restricted()).isFalse();
    assertThat(config.users().get(1).keyDigest()).isEqualTo(Fingerprint.sha256("sk-bob"));
  }

  @Test
  void anEmptyFileHasNoUsers() {
    assertThat(parser.parse("", "f").users()).isEmpty();
    assertThat(parser.parse("users: []", "f").users()).isEmpty();
  }

  @Test
  void aZeroLiftsADefault() {
    var config =
        parser.parse(
            "defaults: {max_concurrent: 2}\nusers: [{name: a, api_key: k, max_concurrent: 0}]",
            "f");
    assertThat(config.users().get(0).user().limits()).isEqualTo(Limits.NONE);
  }

  @Test
  void mistakesAreNamedByPlaceAndNeverShowAKey() {
    refused("users: [{name: a, api_key: sk-secret-1, request_per_minute: 5}]", "unknown field");
    refused("users: [{name: a}]", "exactly one of");
    refused("users: [{name: a, api_key: sk-secret-1, api_key_sha256: ab}]", "exactly one of");
    refused("users: [{name: a, api_key_sha256: sk-secret-1}]", "64 hex digits");
    refused("users: [{name: 'a b', api_key: sk-secret-1}]", "'name' must be");
    refused("users: [{name: key-1, api_key: sk-secret-1}]", "the broker's own");
    refused(
        "users: [{name: a, api_key: sk-secret-1}, {name: a, api_key: sk-secret-2}]", "used twice");
    refused(
        "users: [{name: a, api_key: sk-secret-1}, {name: b, api_key: sk-secret-1}]", "same key");
    refused("users: [{name: a, api_key: sk-secret-1, max_concurrent: -1}]", "0 or more");
    refused("users: [{name: a, api_key: sk-secret-1, max_concurrent: 1.5}]", "whole number");
    refused("users: [{name: a, api_key: sk-secret-1, models: llama}]", "list of model names");
    refused("defaults: {rpm: 3}", "unknown field");
    refused("userz: []", "unknown field");
    refused("users: [{name: a, api_key: \"sk-secret-1}]", "not valid YAML at line 1");
  }

  private void refused(String yaml, String message) {
    assertThatThrownBy(() -> parser.parse(yaml, "/etc/users.yaml"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("/etc/users.yaml")
        .hasMessageContaining(message)
        .hasMessageNotContaining("sk-secret");
  }
}
