package io.remotellm.st.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An SSE answer read line by line as it arrives, each line with the time it came. */
final class Sse {

  record Line(long nanos, String text) {}

  private static final Pattern TOKEN = Pattern.compile("\"content\":\"tok(\\d+) \"");

  final List<Line> lines = new CopyOnWriteArrayList<>();
  final CompletableFuture<Integer> done = new CompletableFuture<>();
  volatile int status;

  /** Starts the request; lines are collected on a thread of the client's. */
  static Sse open(HttpClient http, URI uri, String key, String requestId, String body) {
    Sse sse = new Sse();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .header("x-request-id", requestId)
            .timeout(Duration.ofSeconds(120))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                sse.done.completeExceptionally(error);
                return;
              }
              sse.status = response.statusCode();
              Thread reader = new Thread(() -> sse.read(response.body()), "sse-" + requestId);
              reader.setDaemon(true);
              reader.start();
            });
    return sse;
  }

  private void read(InputStream body) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(new Line(System.nanoTime(), line));
      }
      done.complete(status);
    } catch (IOException e) {
      done.completeExceptionally(e);
    }
  }

  int await(Duration timeout) throws Exception {
    return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The sequence numbers of the "tok<n> " chunks, in arrival order. */
  List<Integer> tokens() {
    List<Integer> out = new ArrayList<>();
    for (Line line : lines) {
      Matcher m = TOKEN.matcher(line.text());
      while (m.find()) {
        out.add(Integer.parseInt(m.group(1)));
      }
    }
    return out;
  }

  /** The first {@code data: {"error":...}} line, or null. */
  Line firstError() {
    return lines.stream()
        .filter(l -> l.text().startsWith("data: {\"error\""))
        .findFirst()
        .orElse(null);
  }

  boolean endedWithDone() {
    return lines.stream().anyMatch(l -> l.text().equals("data: [DONE]"));
  }

  long doneCount() {
    return lines.stream().filter(l -> l.text().equals("data: [DONE]")).count();
  }
}
