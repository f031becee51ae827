package io.remotellm.st.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.st.support.Wait;
import io.remotellm.testsupport.FakeLlm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The admin page as an operator uses it, in headless Chromium, against the broker on Payara Micro
 * with real connector processes and an OpenAI client: log in, a connector started meanwhile appears
 * without a reload, a key created on the page serves the client and its usage rises, the key
 * revoked gives 401, a connector token revoked drops its connector, and a model named like HTML is
 * shown as text. A screenshot of each step lands in target/admin-page-screenshots.
 */
class AdminPageIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String XSS_MODEL = "<img src=x onerror=alert(1)>";
  private static final Path SHOTS =
      ProductProcess.root().resolve("system-tests/target/admin-page-screenshots");

  private final String adminKey = "adm-" + UUID.randomUUID();
  private final String userKey = "sk-page-" + UUID.randomUUID();
  private final String tokenA = "ct-page-a-" + UUID.randomUUID();
  private final String tokenB = "ct-page-b-" + UUID.randomUUID();
  private final List<AutoCloseable> running = new ArrayList<>();

  @AfterEach
  void stop() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        // Best effort: the next one must still be stopped.
      }
    }
  }

  @Test
  void anOperatorRunsTheBrokerFromThePage() throws Exception {
    ChromeDriver browser = Chromium.start(Files.createTempDirectory("admin-page-chromium"));
    running.add(browser::quit);
    FakeLlm llm = FakeLlm.start();
    running.add(llm);
    int port = FreePort.next();
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put(tokenA, "");
    tokens.put(tokenB, "");
    ProductProcess broker =
        ProductProcess.start(
            "admin-page-broker",
            "remotellm-broker",
            List.of(
                "--host", "127.0.0.1",
                "--port", String.valueOf(port),
                "--health-port", String.valueOf(FreePort.next()),
                "--connector-config", ProductRun.writeConnectorConfig(tokens).toString(),
                "--data-dir", Files.createTempDirectory("admin-page-data").toString()),
            Map.of(
                "REMOTELLM_BROKER_USER_API_KEYS", userKey,
                "REMOTELLM_BROKER_ADMIN_KEYS", adminKey));
    running.add(broker);
    ProductRun.awaitBroker(broker, port, userKey);
    String base = "http://127.0.0.1:" + port;
    String fpA = fingerprint(tokenA);
    String fpB = fingerprint(tokenB);

    // 1. Log in.
    browser.get(base + "/admin/");
    browser.findElement(By.id("admin-key")).sendKeys(adminKey);
    browser.findElement(By.cssSelector("#login-form button")).click();
    Wait.until("the page to show the users", WAIT, () -> !rows(browser, "users").isEmpty());
    assertThat(browser.findElement(By.id("main")).isDisplayed()).isTrue();
    Chromium.screenshot(browser, SHOTS, "01-logged-in");

    // 2. Connectors started now appear without a reload, one of them serving an HTML-ish name.
    ProductProcess connectorA =
        connector("admin-page-connector-a", llm, port, tokenA, "page-model");
    connector("admin-page-connector-b", llm, port, tokenB, XSS_MODEL);
    Wait.until(
        "both connectors on the page",
        WAIT,
        () ->
            text(browser, "connectors").contains(fpA) && text(browser, "connectors").contains(fpB));
    // Each with the address its link came from (both dialled from this machine). Polled: the
    // page redraws the table every 2 s, which makes a cell read mid-redraw stale.
    Wait.until(
        "the connectors' address on the page",
        WAIT,
        () -> cells(browser, "connectors").contains("127.0.0.1"));
    Chromium.screenshot(browser, SHOTS, "02-connectors-appeared");

    // 3. The model named like HTML is text: shown verbatim, no image made, no alert raised.
    Wait.until("the XSS model listed", WAIT, () -> cells(browser, "models").contains(XSS_MODEL));
    assertThat(browser.findElements(By.cssSelector("img"))).isEmpty();
    assertThatThrownBy(() -> browser.switchTo().alert())
        .isInstanceOf(NoAlertPresentException.class);
    Chromium.screenshot(browser, SHOTS, "03-xss-model-as-text");

    // 4. Create a key on the page; a real OpenAI client uses it; its usage rises on the page.
    browser.findElement(By.id("new-name")).sendKeys("erin");
    browser.findElement(By.id("new-models")).sendKeys("page-*");
    browser.findElement(By.cssSelector("#create-form button")).click();
    String key =
        Wait.forValue(
            "the new key shown",
            WAIT,
            () -> {
              String k = browser.findElement(By.id("new-key")).getText();
              return k.startsWith("sk-rl-") ? k : null;
            });
    Chromium.screenshot(browser, SHOTS, "04-key-created");
    OpenAIClient erin = client(port, key);
    running.add(erin::close);
    for (int i = 0; i < 3; i++) {
      ChatCompletion done = erin.chat().completions().create(chat());
      assertThat(done.choices()).isNotEmpty();
    }
    Wait.until(
        "erin's 3 requests on the page", WAIT, () -> "3".equals(userCell(browser, "erin", 5)));
    assertThat(Long.parseLong(userCell(browser, "erin", 6))).isPositive();
    // The ledger's daily totals too, and the chart over days drawn from them.
    Wait.until(
        "erin's tokens today from the ledger",
        WAIT,
        () -> userCell(browser, "erin", 8) != null && !"0".equals(userCell(browser, "erin", 8)));
    browser.findElement(By.cssSelector("#chart-by option[value='day:tokens_by_user']")).click();
    Wait.until(
        "erin's line in the chart over days",
        WAIT,
        () ->
            !browser.findElements(By.cssSelector("#chart polyline[data-series='erin']")).isEmpty());
    Chromium.screenshot(browser, SHOTS, "05-usage-rose");

    // 5. Revoke it on the page: the client's next request is 401.
    userRow(browser, "erin").findElement(By.tagName("button")).click();
    browser.switchTo().alert().accept();
    Wait.until("erin gone from the page", WAIT, () -> userRow(browser, "erin") == null);
    assertThatThrownBy(() -> erin.chat().completions().create(chat()))
        .isInstanceOf(UnauthorizedException.class);
    Chromium.screenshot(browser, SHOTS, "06-key-revoked");

    // 6. Revoke connector B's token on the page: it drops off, and its model with it.
    WebElement rowB =
        rows(browser, "connectors").stream()
            .filter(r -> fpB.equals(r.getAttribute("data-token")))
            .findFirst()
            .orElseThrow();
    rowB.findElement(By.tagName("button")).click();
    browser.switchTo().alert().accept();
    Wait.until(
        "connector B dropped",
        WAIT,
        () ->
            !text(browser, "connectors").contains(fpB)
                && !cells(browser, "models").contains(XSS_MODEL));
    assertThat(text(browser, "connectors")).contains(fpA);
    assertThat(text(browser, "audit")).contains("connector.revoke", "user.revoke", "user.create");
    Chromium.screenshot(browser, SHOTS, "07-connector-revoked");
    assertThat(connectorA.isAlive()).isTrue();
  }

  private ProductProcess connector(String name, FakeLlm llm, int port, String token, String model) {
    ProductProcess p =
        ProductRun.startConnector(
            name,
            llm.baseUrl().toString(),
            port,
            token,
            FreePort.next(),
            List.of(model),
            List.of());
    running.add(p);
    return p;
  }

  /** As the broker names a secret in logs and on the page: the first 4 bytes of its SHA-256. */
  private static String fingerprint(String secret) throws Exception {
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest, 0, 4);
  }

  private static OpenAIClient client(int port, String key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key)
        .baseUrl("http://127.0.0.1:" + port + "/v1")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private static ChatCompletionCreateParams chat() {
    return ChatCompletionCreateParams.builder().model("page-model").addUserMessage("hi").build();
  }

  private static List<WebElement> rows(ChromeDriver browser, String table) {
    return browser.findElements(By.cssSelector("#" + table + " tbody tr"));
  }

  private static String text(ChromeDriver browser, String table) {
    return browser.findElement(By.cssSelector("#" + table + " tbody")).getText();
  }

  /** The cells' text exactly as the DOM holds it (textContent), one per line. */
  private static List<String> cells(ChromeDriver browser, String table) {
    return browser.findElements(By.cssSelector("#" + table + " tbody td")).stream()
        .map(td -> td.getAttribute("textContent"))
        .toList();
  }

  private static WebElement userRow(ChromeDriver browser, String name) {
    return rows(browser, "users").stream()
        .filter(r -> name.equals(r.getAttribute("data-user")))
        .findFirst()
        .orElse(null);
  }

  private static String userCell(ChromeDriver browser, String name, int column) {
    WebElement row = userRow(browser, name);
    return row == null ? null : row.findElements(By.tagName("td")).get(column).getText();
  }
}
