package io.remotellm.broker.it;

import java.io.File;
import java.net.URISyntaxException;
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
    return ShrinkWrap.create(WebArchive.class, "ROOT.war")
        .addPackages(
            true, Filters.exclude(".*/it/.*|.*Test(\\$.*)?\\.class"), "io.remotellm.broker")
        .addPackages(true, "io.remotellm.protocol")
        .addAsLibrary(jarOf(Yaml.class))
        // Prometheus' client and what it needs at run time, as the WAR bundles them.
        .addAsLibraries(
            jarOf(io.prometheus.metrics.core.metrics.Counter.class),
            jarOf(io.prometheus.metrics.model.registry.PrometheusRegistry.class),
            jarOf(io.prometheus.metrics.config.PrometheusProperties.class),
            jarOf(io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.class),
            jarOf(io.prometheus.metrics.tracer.initializer.SpanContextSupplier.class),
            jarOf(io.prometheus.metrics.tracer.common.SpanContext.class))
        .addAsWebInfResource(new File("src/main/webapp/WEB-INF/beans.xml"), "beans.xml")
        .setWebXML(new File("src/main/webapp/WEB-INF/web.xml"))
        // The admin page's static files, as the WAR holds them.
        .addAsWebResource(new File("src/main/webapp/admin/index.html"), "admin/index.html")
        .addAsWebResource(new File("src/main/webapp/admin/admin.js"), "admin/admin.js")
        .addAsWebResource(new File("src/main/webapp/admin/admin.css"), "admin/admin.css")
        .addAsResource(new StringAsset(properties), "META-INF/microprofile-config.properties");
  }

  private static File jarOf(Class<?> type) {
    try {
      return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
