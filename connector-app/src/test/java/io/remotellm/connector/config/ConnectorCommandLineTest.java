package io.remotellm.connector.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

class ConnectorCommandLineTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private ConnectorCommandLine.Outcome parse(Map<String, String> env, String... args) {
    return ConnectorCommandLine.parse(args, env, new PrintWriter(out), new PrintWriter(err));
  }

  @Test
  void appliesTheSeedDefaults() {
    ConnectorConfig c =
        parse(Map.of(), "--broker-url", "ws://broker:8444", "--broker-token", "t").config();
    assertThat(c.llmUrl()).isEqualTo(URI.create("http://localhost:11434"));
    assertThat(c.demo()).isFalse();
    assertThat(c.brokerUrl()).isEqualTo(URI.create("ws://broker:8444/ws"));
    assertThat(c.models()).isEmpty();
    assertThat(c.healthPort()).isEqualTo(8080);
    assertThat(c.logLevel()).isEqualTo(Level.INFO);
    assertThat(c.llmApiKey()).isNull();
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.reconnectInitial()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.reconnectMax()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.reconnectResetAfter()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void readsEveryOptionFromItsEnvironmentVariable() {
    ConnectorConfig c =
        parse(
                Map.of(
                    "REMOTELLM_LLM_URL", "http://gpu:8000/v1/",
                    "REMOTELLM_BROKER_URL", "wss://broker.example.com/ws",
                    "REMOTELLM_BROKER_TOKEN", "secret-token",
                    "REMOTELLM_MODELS", "llama3.2, codellama",
                    "REMOTELLM_HEALTH_PORT", "8081",
                    "REMOTELLM_LOG_LEVEL", "debug",
                    "REMOTELLM_LLM_API_KEY", "sk-local",
                    "REMOTELLM_CAPACITY", "7"))
            .config();
    assertThat(c.llmUrl()).isEqualTo(URI.create("http://gpu:8000/v1"));
    assertThat(c.brokerUrl()).isEqualTo(URI.create("wss://broker.example.com/ws"));
    assertThat(c.brokerToken()).isEqualTo("secret-token");
    assertThat(c.models()).containsExactly("llama3.2", "codellama");
    assertThat(c.healthPort()).isEqualTo(8081);
    assertThat(c.logLevel()).isEqualTo(Level.FINE);
    assertThat(c.llmApiKey()).isEqualTo("sk-local");
    assertThat(c.capacity()).isEqualTo(7);
  }

  @Test
  void oneBrokerUrlIsTheOnlyBroker() {
    ConnectorConfig c =
        parse(Map.of(), "--broker-url", "ws://broker:8444", "--broker-token", "t").config();
    assertThat(c.brokerUrls()).containsExactly(URI.create("ws://broker:8444/ws"));
  }

  @Test
  void brokerUrlRepeatsInTheOrderGivenWithoutDuplicates() {
    ConnectorConfig c =
        parse(
                Map.of("REMOTELLM_BROKER_URL", "ws://from-env"),
                "--broker-url",
                "ws://a:8443",
                "--broker-url",
                "wss://b:8443/ws",
                "--broker-url",
                "ws://a:8443/ws/",
                "--broker-token",
                "t")
            .config();
    assertThat(c.brokerUrls())
        .containsExactly(URI.create("ws://a:8443/ws"), URI.create("wss://b:8443/ws"));
    assertThat(c.brokerUrl()).isEqualTo(URI.create("ws://a:8443/ws"));
  }

  @Test
  void brokerUrlVariableTakesACommaSeparatedList() {
    ConnectorConfig c =
        parse(
                Map.of(
                    "REMOTELLM_BROKER_URL", "ws://a:1, ws://b:2 ,,ws://c:3",
                    "REMOTELLM_BROKER_TOKEN", "t"))
            .config();
    assertThat(c.brokerUrls())
        .containsExactly(
            URI.create("ws://a:1/ws"), URI.create("ws://b:2/ws"), URI.create("ws://c:3/ws"));
  }

  @Test
  void aBadBrokerUrlAmongSeveralIsNamed() {
    assertThat(
            parse(
                    Map.of(),
                    "--broker-url",
                    "ws://a",
                    "--broker-url",
                    "http://b",
                    "--broker-token",
                    "t")
                .exitCode())
        .isEqualTo(2);
    assertThat(err.toString())
        .contains("--broker-url must start with ws:// or wss://, got 'http://b'")
        .hasLineCount(1);
  }

  @Test
  void printEnvWritesSeveralBrokerUrlsAsOneCommaList() {
    assertThat(
            parse(
                    Map.of(),
                    "--print-env",
                    "--broker-url",
                    "ws://a",
                    "--broker-url",
                    "ws://b",
                    "--broker-token",
                    "t")
                .exitCode())
        .isZero();
    assertThat(out.toString()).contains("\nREMOTELLM_BROKER_URL='ws://a,ws://b'\n");
  }

  @Test
  void flagsWinOverTheEnvironmentAndModelRepeats() {
    ConnectorConfig c =
        parse(
                Map.of("REMOTELLM_MODELS", "from-env", "REMOTELLM_HEALTH_PORT", "9"),
                "--broker-url",
                "ws://b/",
                "--broker-token",
                "t",
                "--model",
                "llama3.2",
                "--model",
                "codellama",
                "--health-port",
                "8081",
                "--llm-url",
                "demo")
            .config();
    assertThat(c.models()).containsExactly("llama3.2", "codellama");
    assertThat(c.healthPort()).isEqualTo(8081);
    assertThat(c.demo()).isTrue();
    assertThat(c.llmUrl()).isNull();
    assertThat(c.brokerUrl()).isEqualTo(URI.create("ws://b/ws"));
  }

  @Test
  void keepsAnExplicitWsPathAndAddsItToOtherPaths() {
    assertThat(
            parse(Map.of(), "--broker-url", "ws://b:1/ws", "--broker-token", "t")
                .config()
                .brokerUrl())
        .isEqualTo(URI.create("ws://b:1/ws"));
    assertThat(
            parse(Map.of(), "--broker-url", "ws://b:1/relay/", "--broker-token", "t")
                .config()
                .brokerUrl())
        .isEqualTo(URI.create("ws://b:1/relay/ws"));
  }

  @Test
  void aMissingRequiredOptionIsOneLineAndExitCode2() {
    ConnectorCommandLine.Outcome o = parse(Map.of(), "--broker-token", "t");
    assertThat(o.run()).isFalse();
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(err.toString()).contains("--broker-url").doesNotContain("Exception").hasLineCount(1);

    StringWriter err2 = new StringWriter();
    ConnectorCommandLine.Outcome o2 =
        ConnectorCommandLine.parse(
            new String[] {"--broker-url", "ws://b"},
            Map.of(),
            new PrintWriter(out),
            new PrintWriter(err2));
    assertThat(o2.exitCode()).isEqualTo(2);
    assertThat(err2.toString()).contains("--broker-token").hasLineCount(1);
  }

  @Test
  void rejectsUrlsOfTheWrongKind() {
    assertThat(parse(Map.of(), "--broker-url", "http://b", "--broker-token", "t").exitCode())
        .isEqualTo(2);
    assertThat(err.toString()).contains("ws:// or wss://").hasLineCount(1);
    assertThat(
            parse(Map.of(), "--broker-url", "ws://b", "--broker-token", "t", "--llm-url", "ftp://x")
                .exitCode())
        .isEqualTo(2);
    assertThat(
            parse(
                    Map.of(),
                    "--broker-url",
                    "ws://b",
                    "--broker-token",
                    "t",
                    "--llm-url",
                    "http://a b")
                .exitCode())
        .isEqualTo(2);
    assertThat(
            parse(Map.of(), "--broker-url", "ws://b", "--broker-token", "t", "--health-port", "x")
                .exitCode())
        .isEqualTo(2);
    assertThat(
            parse(Map.of(), "--broker-url", "ws://b", "--broker-token", "t", "--log-level", "LOUD")
                .exitCode())
        .isEqualTo(2);
    assertThat(
            parse(Map.of(), "--broker-url", "ws://b", "--broker-token", "t", "--bogus").exitCode())
        .isEqualTo(2);
  }

  @Test
  void helpListsTheOptionsWithTheirVariables() {
    ConnectorCommandLine.Outcome o = parse(Map.of(), "--help");
    assertThat(o.run()).isFalse();
    assertThat(o.exitCode()).isZero();
    assertThat(out.toString())
        .contains(
            "--llm-url",
            "REMOTELLM_LLM_URL",
            "--broker-url",
            "--broker-token",
            "--model",
            "REMOTELLM_MODELS",
            "--health-port",
            "--log-level",
            "--llm-api-key",
            "http://localhost:11434");
  }

  /** Issue 10: calls to the LLM at once are bounded; 32 unless told otherwise. */
  @Test
  void llmConnectionsHasADefaultAFlagAVariableAndALowerBound() {
    Map<String, String> four = Map.of("REMOTELLM_LLM_CONNECTIONS", "4");
    String[] required = {"--broker-url", "ws://b", "--broker-token", "t"};
    assertThat(parse(Map.of(), required).config().llmConnections()).isEqualTo(32);
    assertThat(parse(four, required).config().llmConnections()).isEqualTo(4);
    assertThat(
            parse(four, "--broker-url", "ws://b", "--broker-token", "t", "--llm-connections", "9")
                .config()
                .llmConnections())
        .isEqualTo(9);
    assertThat(
            parse(
                    Map.of(),
                    "--broker-url",
                    "ws://b",
                    "--broker-token",
                    "t",
                    "--llm-connections",
                    "0")
                .exitCode())
        .isEqualTo(2);
    assertThat(err.toString()).contains("--llm-connections must be at least 1").hasLineCount(1);
    parse(Map.of(), "--help");
    assertThat(out.toString())
        .contains("--llm-connections", "REMOTELLM_LLM_CONNECTIONS", "default 32");
  }

  @Test
  void caCertAndTruststoreOptionsLoadTheBrokersTrust() {
    String pem = BrokerTrustTest.twoCas().toString();
    ConnectorConfig flag =
        parse(Map.of(), "--broker-url", "wss://b:8444", "--broker-token", "t", "--ca-cert", pem)
            .config();
    assertThat(flag.brokerTrust()).isNotNull();
    assertThat(flag.brokerTrust().source()).contains(pem, "2 certificates");
    ConnectorConfig env =
        parse(
                Map.of("REMOTELLM_CA_CERT", pem + ", " + pem),
                "--broker-url",
                "wss://b",
                "--broker-token",
                "t")
            .config();
    assertThat(env.brokerTrust().source())
        .contains("ca-cert " + pem + " (2 certificates), ca-cert " + pem);
    assertThat(
            parse(Map.of(), "--broker-url", "wss://b", "--broker-token", "t")
                .config()
                .brokerTrust())
        .isNull();
  }

  @Test
  void anUnreadableCaCertIsOneLineAndExitCode2() {
    ConnectorCommandLine.Outcome o =
        parse(
            Map.of(),
            "--broker-url",
            "wss://b",
            "--broker-token",
            "t",
            "--ca-cert",
            "/no/such/ca.pem");
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(err.toString())
        .contains("--ca-cert /no/such/ca.pem")
        .doesNotContain("Exception:")
        .hasLineCount(1);
    assertThat(
            parse(
                    Map.of("REMOTELLM_TRUSTSTORE", "/no/such/trust.p12"),
                    "--broker-url",
                    "wss://b",
                    "--broker-token",
                    "t")
                .exitCode())
        .isEqualTo(2);
  }

  @Test
  void helpListsTheTlsOptions() {
    parse(Map.of(), "--help");
    assertThat(out.toString())
        .contains(
            "--ca-cert",
            "REMOTELLM_CA_CERT",
            "--truststore",
            "REMOTELLM_TRUSTSTORE",
            "--truststore-password",
            "REMOTELLM_TRUSTSTORE_PASSWORD");
  }

  @Test
  void neverShowsSecretsInToString() {
    ConnectorConfig c =
        parse(
                Map.of(),
                "--broker-url",
                "ws://b",
                "--broker-token",
                "tok-SECRET",
                "--llm-api-key",
                "sk-SECRET")
            .config();
    assertThat(c.toString()).doesNotContain("SECRET");
    assertThat(List.of(c.toString())).isNotEmpty();
  }

  /** The installers' modes: list the flags, check them, print them as an env file. */
  @Test
  void printOptionsListsEveryFlagAnOperatorMayGive() {
    assertThat(parse(Map.of(), "--print-options").exitCode()).isZero();
    assertThat(out.toString().lines())
        .contains("--broker-url=", "--model=", "--health-port=", "--truststore-password=")
        .doesNotContain("--help", "--version", "--check", "--print-env", "--print-options")
        .hasSize(EnvironmentDefaults.SOURCES.size());
  }

  @Test
  void printEnvSetsWhatWasGivenAndShowsDefaultsAsComments() {
    ConnectorCommandLine.Outcome o =
        parse(
            Map.of("REMOTELLM_LLM_API_KEY", "k$y `x`", "REMOTELLM_CAPACITY", " "),
            "--print-env",
            "--broker-url",
            "ws://b",
            "--broker-token",
            "it's #1 & \"two\"",
            "--model",
            "a",
            "--model",
            "b c,d",
            "--ca-cert",
            "/not/here/yet.pem");
    assertThat(o.run()).isFalse();
    assertThat(o.exitCode()).isZero();
    assertThat(out.toString())
        .contains("\nREMOTELLM_BROKER_URL='ws://b'\n")
        .contains("\nREMOTELLM_BROKER_TOKEN='it'\"'\"'s #1 & \"two\"'\n")
        .contains("\nREMOTELLM_MODELS='a,b c,d'\n")
        .contains("\nREMOTELLM_LLM_API_KEY='k$y `x`'\n")
        .contains("\nREMOTELLM_CA_CERT='/not/here/yet.pem'\n")
        .contains("\n# REMOTELLM_CAPACITY='4096'   (default)\n")
        .contains("\n# REMOTELLM_LLM_URL='http://localhost:11434'   (default)\n");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void checkAndPrintEnvRefuseWhatTheConnectorWouldRefuse() {
    assertThat(parse(Map.of(), "--check").exitCode()).isEqualTo(2);
    assertThat(err.toString())
        .contains("missing --broker-url (or REMOTELLM_BROKER_URL) and --broker-token")
        .hasLineCount(1);
    StringWriter err2 = new StringWriter();
    ConnectorCommandLine.Outcome o =
        ConnectorCommandLine.parse(
            new String[] {"--print-env", "--broker-url", "ws://b", "--broker-token", "a\nb"},
            Map.of(),
            new PrintWriter(out),
            new PrintWriter(err2));
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(err2.toString())
        .contains("REMOTELLM_BROKER_TOKEN contains a line break")
        .doesNotContain("a\nb");
    assertThat(
            parse(Map.of(), "--check", "--broker-url", "ws://b", "--broker-token", "t").exitCode())
        .isZero();
  }

  @Test
  void aPasswordInARefusedUrlIsNotShown() {
    parse(Map.of(), "--broker-url", "ws://b", "--broker-token", "t", "--llm-url", "ftp://u:pw@x");
    assertThat(err.toString()).contains("'ftp://***@x'").doesNotContain("pw");
  }

  @Test
  void llmApiIsACommaListFromTheFlagOrItsVariableAndDetectedWhenAbsent() {
    assertThat(parse(Map.of(), "--broker-url", "ws://b", "--broker-token", "t").config().apis())
        .isEmpty();
    assertThat(
            parse(
                    Map.of("REMOTELLM_LLM_API", "openai,anthropic"),
                    "--broker-url",
                    "ws://b",
                    "--broker-token",
                    "t")
                .config()
                .apis())
        .containsExactlyInAnyOrder(
            io.remotellm.protocol.LlmApi.OPENAI, io.remotellm.protocol.LlmApi.ANTHROPIC);
    ConnectorCommandLine.Outcome bad =
        parse(
            Map.of(), "--broker-url", "ws://b", "--broker-token", "t", "--llm-api", "openai,soap");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(err.toString()).contains("--llm-api", "soap", "responses").hasLineCount(1);
  }
}
