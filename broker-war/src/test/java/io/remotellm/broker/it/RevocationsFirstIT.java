package io.remotellm.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A connector token revoked on the admin page before a restart must be refused from the broker's
 * first moment, so no connector attaches before the revocations are read from the database: here
 * the database cannot open at start (its data directory lies under a plain file), connectors get
 * 503 until it can, then attach.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RevocationsFirstIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TOKEN = "tok-revocations-first-it";
  private static Path blocker;

  @ArquillianResource URL base;

  @Deployment(testable = false)
  static WebArchive deployment() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "it-data"));
    blocker = Files.createTempFile(dir, "not-a-directory-", "");
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.connector-tokens=" + TOKEN,
            "remotellm.broker.data-dir=" + blocker.toAbsolutePath().resolve("data"),
            ""));
  }

  @Test
  void noConnectorAttachesBeforeTheDatabaseSaidWhichTokensAreRevoked() throws Exception {
    URI ws = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
    for (int i = 0; i < 3; i++) {
      assertThat(ConnectorPeer.upgradeStatus(ws, TOKEN)).isEqualTo(503);
    }
    Files.delete(blocker); // the data directory can be made now; the ledger retries every 5 s
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> ConnectorPeer.upgradeStatus(ws, TOKEN) == 101);
  }
}
