package io.remotellm.broker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.auth.TestCredentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.config.ConfigurationException;
import io.remotellm.broker.config.ConnectorConfigParser;
import io.remotellm.broker.config.ConnectorEntry;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Hello;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The look at the connector config file: when a change is put in force, and when it is not. */
class ConnectorConfigReloaderTest {

  @TempDir Path dir;
  private Path file;
  private final FrameCodec codec = new FrameCodec();
  private final ConnectorConfigReloader reloader = new ConnectorConfigReloader();
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Logger log = Logger.getLogger(ConnectorConfigReloader.class.getName());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private ConnectorRegistry registry;
  private Credentials credentials;

  /** A connector socket that only remembers how it was closed. */
  static final class Socket implements ConnectorSocket {
    volatile Integer closedWith;

    @Override
    public CompletionStage<Void> send(String text) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void ping() {}

    @Override
    public void close(int code, String reason) {
      closedWith = code;
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    file = dir.resolve("connectors.yaml");
    write("tok-a", "tok-b");
    BrokerSettings settings =
        new BrokerSettings() {
          @Override
          public List<String> userApiKeys() {
            return List.of();
          }

          @Override
          public Optional<Path> connectorConfigFile() {
            return Optional.of(file);
          }

          @Override
          public Duration connectorConfigReload() {
            return Duration.ofSeconds(1);
          }

          @Override
          public int heartbeatSeconds() {
            return 10;
          }

          @Override
          public List<ConnectorEntry> connectors() {
            try {
              return new ConnectorConfigParser().parse(Files.readString(file), file.toString());
            } catch (IOException e) {
              throw new ConfigurationException("cannot read " + file, e);
            }
          }
        };
    TestCredentials loaded = new TestCredentials();
    loaded.entries.addAll(settings.connectors());
    loaded.reload();
    credentials = loaded.credentials;
    // From here on the credentials read the file, as the broker's do.
    setSettings(credentials, settings);
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.router = new ConnectorLinkRouter();
    dispatcher.settings = settings;
    dispatcher.usageListeners = io.remotellm.broker.usage.UsageListeners.of();
    dispatcher.init();
    registry = new ConnectorRegistry();
    registry.router = dispatcher.router;
    registry.settings = settings;
    registry.credentials = credentials;
    registry.dispatcher = dispatcher;
    registry.metrics = io.remotellm.broker.metrics.BrokerMetrics.standalone();
    registry.init();
    reloader.settings = settings;
    reloader.credentials = credentials;
    reloader.registry = registry;
    log.addHandler(capture);
    // The test logging.properties keeps the console quiet; this test reads the INFO lines.
    log.setLevel(Level.INFO);
  }

  @AfterEach
  void tearDown() {
    log.removeHandler(capture);
    log.setLevel(null);
    codec.close();
  }

  @Test
  void aChangeIsPutInForceOnceTheFileReadsTheSameTwice() throws IOException {
    Socket a = attach("tok-a");
    Socket b = attach("tok-b");
    reloader.look();
    reloader.look();
    write("tok-b");
    reloader.look();
    assertThat(a.closedWith).as("one look at a changed file is not enough").isNull();
    reloader.look();
    assertThat(a.closedWith).isEqualTo(1008);
    assertThat(b.closedWith).isNull();
    assertThat(reloader.state()).isEqualTo("in force");
    assertThat(credentials.connector("Bearer tok-a")).isEmpty();
    assertThat(messages(Level.INFO))
        .anyMatch(m -> m.startsWith("connector config reloaded: 0 token(s) added"));
  }

  @Test
  void aBrokenFileChangesNothingAndIsReportedOnce() throws IOException {
    Socket a = attach("tok-a");
    Files.writeString(file, "connectors:\n  - token: [\n");
    for (int i = 0; i < 5; i++) {
      reloader.look();
    }
    assertThat(a.closedWith).isNull();
    assertThat(credentials.connector("Bearer tok-a")).isPresent();
    assertThat(messages(Level.SEVERE))
        .singleElement()
        .satisfies(
            m -> assertThat(m).contains("not reloaded", file.toString()).doesNotContain("tok-a"));
    assertThat(reloader.state())
        .startsWith("not reloaded: connector config " + file)
        .contains("line 3");
    // Mended, it is taken as it is.
    write("tok-a", "tok-c");
    reloader.look();
    reloader.look();
    assertThat(credentials.connector("Bearer tok-c")).isPresent();
    assertThat(a.closedWith).isNull();
    assertThat(reloader.state()).isEqualTo("in force");
  }

  @Test
  void aMissingFileChangesNothingAndIsReportedOnce() throws IOException {
    Socket a = attach("tok-a");
    reloader.look();
    reloader.look();
    assertThat(reloader.state()).isEqualTo("in force");
    Files.delete(file);
    for (int i = 0; i < 3; i++) {
      reloader.look();
    }
    assertThat(a.closedWith).isNull();
    assertThat(credentials.connector("Bearer tok-a")).isPresent();
    assertThat(messages(Level.WARNING))
        .singleElement()
        .satisfies(m -> assertThat(m).contains("is not there"));
    assertThat(reloader.state()).isEqualTo("not reloaded: " + file + " is not there");
    // Back as it was: nothing to reload, and nothing wrong any more.
    write("tok-a", "tok-b");
    reloader.look();
    assertThat(reloader.state()).isEqualTo("in force");
    assertThat(a.closedWith).isNull();
  }

  private Socket attach(String token) {
    Socket socket = new Socket();
    ConnectorLink link =
        new ConnectorLink(token, credentials.connector("Bearer " + token).orElseThrow(), socket);
    registry.onText(link, codec.encode(new Hello(1, "test", List.of("m-" + token), 4)));
    assertThat(link.isOpen()).isTrue();
    return socket;
  }

  private void write(String... tokens) throws IOException {
    StringBuilder yaml = new StringBuilder("connectors:\n");
    for (String token : tokens) {
      yaml.append("  - token: \"").append(token).append("\"\n");
    }
    Files.writeString(file, yaml);
  }

  private List<String> messages(Level level) {
    return logged.stream()
        .filter(r -> r.getLevel().equals(level))
        .map(
            r ->
                r.getParameters() == null
                    ? r.getMessage()
                    : java.text.MessageFormat.format(r.getMessage(), r.getParameters()))
        .toList();
  }

  private static void setSettings(Credentials credentials, BrokerSettings settings) {
    TestCredentials.use(credentials, settings);
  }
}
