package io.remotellm.broker.it;

import io.remotellm.broker.ledger.probe.LedgerProbeResource;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.flywaydb.database.postgresql.PostgreSQLDatabaseType;
import org.jboss.shrinkwrap.api.Filters;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.yaml.snakeyaml.Yaml;

/** The broker WAR as the ITs deploy it: the main packages, and a test configuration. */
final class TestDeployments {

  static final String USER_KEY = "sk-user-it-1";
  static final String OTHER_USER_KEY = "sk-user-it-2";
  static final String PLAIN_TOKEN = "tok-plain-it";
  static final String KEYED_TOKEN = "tok-keyed-it";
  static final String NOKEY_TOKEN = "tok-nokey-it";
  static final String LLM_KEY = "sk-llm-secret-it";
  static final int MAX_BODY = 65536;

  private TestDeployments() {}

  /** Root context (ROOT.war), so {@code /v1} and {@code /ws} sit where the launcher puts them. */
  static WebArchive broker(String properties) {
    WebArchive war = ShrinkWrap.create(WebArchive.class, "ROOT.war");
    // The ledger's schema migrations, as the WAR carries them.
    File migrations = new File("src/main/resources/db/ledger");
    for (File migration : migrations.listFiles()) {
      war.addAsResource(migration, "db/ledger/" + migration.getName());
    }
    return war.addPackages(
            true,
            Filters.exclude(
                ".*/it/.*|.*/probe/.*|.*Test(\\$.*)?\\.class"
                    + "|.*/ledger/(PostgresCluster|Usages|LedgerStoreContract).*"),
            "io.remotellm.broker")
        .addPackages(true, "io.remotellm.protocol")
        .addAsLibrary(jarOf(Yaml.class))
        // The ledger's libraries, as the WAR bundles them.
        .addAsLibrary(jarOf(Flyway.class))
        .addAsLibrary(jarOf(PostgreSQLDatabaseType.class))
        .addAsLibrary(jarOf(org.flywaydb.database.cockroachdb.CockroachDBSchema.class))
        .addAsLibrary(jarOf(org.h2.Driver.class))
        .addAsLibrary(jarOf(org.postgresql.Driver.class))
        // Prometheus' client and what it needs at run time, as the WAR bundles them.
        .addAsLibraries(
            jarOf(io.prometheus.metrics.core.metrics.Counter.class),
            jarOf(io.prometheus.metrics.model.registry.PrometheusRegistry.class),
            jarOf(io.prometheus.metrics.config.PrometheusProperties.class),
            jarOf(io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.class),
            jarOf(io.prometheus.metrics.tracer.initializer.SpanContextSupplier.class),
            jarOf(io.prometheus.metrics.tracer.common.SpanContext.class))
        .addAsWebInfResource(new File("src/main/webapp/WEB-INF/beans.xml"), "beans.xml")
        // Payara's class loading: the WAR's own libraries first (the pinned H2 above all).
        .addAsWebInfResource(
            new File("src/main/webapp/WEB-INF/glassfish-web.xml"), "glassfish-web.xml")
        .setWebXML(new File("src/main/webapp/WEB-INF/web.xml"))
        // The admin page's static files, as the WAR holds them.
        .addAsWebResource(new File("src/main/webapp/admin/index.html"), "admin/index.html")
        .addAsWebResource(new File("src/main/webapp/admin/admin.js"), "admin/admin.js")
        .addAsWebResource(new File("src/main/webapp/admin/admin.css"), "admin/admin.css")
        .addAsResource(
            new StringAsset(warConfig() + withDataDir(properties)),
            "META-INF/microprofile-config.properties");
  }

  /** The WAR's own MicroProfile Config file, which each test's properties extend. */
  private static String warConfig() {
    try {
      return Files.readString(Path.of("src/main/resources/META-INF/microprofile-config.properties"))
          + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@link #broker} with the ledger probe, for the tests that read what the ledger holds. */
  static WebArchive brokerWithLedgerProbe(String properties) {
    return broker(properties).addClass(LedgerProbeResource.class);
  }

  /**
   * Every deployment gets a data directory of its own under target/, unless it names one: the
   * embedded ledger never lands in the home directory of whoever runs the tests.
   */
  private static String withDataDir(String properties) {
    if (properties.contains("remotellm.broker.data-dir=")) {
      return properties;
    }
    try {
      Path dir = Files.createDirectories(Path.of("target", "it-data"));
      return properties
          + "\nremotellm.broker.data-dir="
          + Files.createTempDirectory(dir, "broker-").toAbsolutePath()
          + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static File jarOf(Class<?> type) {
    try {
      return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
