package io.remotellm.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.config.BrokerSettings;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a scraper with the right token gets from {@code /metrics}, with metrics on and off. */
class MetricsServletTest {

  private int status = -1;
  private final StringWriter text = new StringWriter();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  @Test
  void switchedOffMetricsAre404EvenWithTheRightToken() throws Exception {
    get(false);
    assertThat(status).isEqualTo(404);
    assertThat(text.toString()).contains("Not Found");
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void switchedOnTheRightTokenGetsTheScrape() throws Exception {
    get(true);
    assertThat(status).isEqualTo(200);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("remotellm_rate_limited_total");
  }

  private void get(boolean enabled) throws Exception {
    BrokerSettings settings =
        new BrokerSettings() {
          @Override
          public boolean metricsEnabled() {
            return enabled;
          }

          @Override
          public Optional<String> metricsToken() {
            return Optional.of("scrape-token");
          }

          @Override
          public int metricsMaxModels() {
            return 200;
          }
        };
    BrokerMetrics metrics = new BrokerMetrics();
    metrics.settings = settings;
    metrics.init();
    MetricsServlet servlet = new MetricsServlet();
    servlet.settings = settings;
    servlet.metrics = metrics;
    servlet.doGet(request(), response());
  }

  private HttpServletRequest request() {
    return (HttpServletRequest)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {HttpServletRequest.class},
            (proxy, method, args) ->
                method.getName().equals("getHeader") && "Authorization".equals(args[0])
                    ? "Bearer scrape-token"
                    : null);
  }

  private HttpServletResponse response() {
    ServletOutputStream out =
        new ServletOutputStream() {
          @Override
          public void write(int b) {
            bytes.write(b);
          }

          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public void setWriteListener(WriteListener listener) {}
        };
    PrintWriter writer = new PrintWriter(text, true);
    return (HttpServletResponse)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {HttpServletResponse.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "setStatus" -> {
                    status = (Integer) args[0];
                    yield null;
                  }
                  case "getWriter" -> writer;
                  case "getOutputStream" -> out;
                  default -> null;
                });
  }
}
