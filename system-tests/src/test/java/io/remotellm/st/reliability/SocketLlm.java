package io.remotellm.st.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An LLM that misbehaves on purpose, on a plain socket so that it sees what {@code FakeLlm}'s
 * {@code HttpServer} cannot: the moment its client closes a request it never answered. Every
 * connection is {@code Connection: close}. What a chat request gets depends on its model:
 *
 * <ul>
 *   <li>{@code hang-model}: nothing, ever; the socket is read until the caller hangs up, which is
 *       counted as an abort ({@link #awaitAborted}).
 *   <li>{@code malformed-model}: a 200 SSE stream with one good event, then lines that are not SSE,
 *       a broken JSON event, control characters, and the connection closed without {@code [DONE]}.
 *   <li>{@code huge-model}: one SSE event of {@value #HUGE_EVENT_BYTES} bytes, then {@code [DONE]}.
 * </ul>
 *
 * {@code GET /v1/models} lists the three models.
 */
final class SocketLlm implements AutoCloseable {

  static final int HUGE_EVENT_BYTES = 9 * 1024 * 1024;

  private final ServerSocket server;
  private final AtomicInteger aborted = new AtomicInteger();
  private final AtomicInteger hanging = new AtomicInteger();
  private final Object signal = new Object();
  private volatile boolean closed;

  SocketLlm() throws IOException {
    server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "socket-llm-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  int aborted() {
    return aborted.get();
  }

  int hanging() {
    return hanging.get();
  }

  /** Waits until {@code n} unanswered requests have been hung up on by their caller. */
  boolean awaitAborted(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (signal) {
      while (aborted.get() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(signal, left);
      }
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket socket = server.accept();
        Thread t = new Thread(() -> serve(socket), "socket-llm-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      int length = 0;
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).strip());
        }
      }
      String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      if (head.startsWith("GET /v1/models")) {
        respond(
            out,
            "200 OK",
            "application/json",
            "{\"object\":\"list\",\"data\":[{\"id\":\"hang-model\",\"object\":\"model\"},"
                + "{\"id\":\"malformed-model\",\"object\":\"model\"},"
                + "{\"id\":\"huge-model\",\"object\":\"model\"}]}");
      } else if (!head.startsWith("POST /v1/chat/completions")) {
        respond(out, "404 Not Found", "application/json", "{\"error\":{\"message\":\"no\"}}");
      } else if (body.contains("\"hang-model\"")) {
        hang(in);
      } else if (body.contains("\"malformed-model\"")) {
        malformed(out);
      } else if (body.contains("\"huge-model\"")) {
        huge(out);
      } else {
        respond(out, "404 Not Found", "application/json", "{\"error\":{\"message\":\"no model\"}}");
      }
    } catch (IOException e) {
      // The caller hung up while we wrote: nothing to do, the tests look at what the caller saw.
    }
  }

  private void hang(InputStream in) {
    hanging.incrementAndGet();
    try {
      // Blocks until the caller closes its end (-1) or resets it (exception): an abort.
      while (in.read() >= 0) {
        // A pipelined request would be a caller bug; keep draining until it hangs up.
      }
    } catch (IOException reset) {
      // A reset is a hang-up too.
    }
    hanging.decrementAndGet();
    if (!closed) {
      aborted.incrementAndGet();
      synchronized (signal) {
        signal.notifyAll();
      }
    }
  }

  private static void malformed(OutputStream out) throws IOException {
    out.write(sseHead());
    String good =
        "data: {\"id\":\"m\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"fine \"},\"finish_reason\":null}]}\n\n";
    out.write(good.getBytes(StandardCharsets.UTF_8));
    out.write("this line is not SSE at all\n".getBytes(StandardCharsets.UTF_8));
    out.write(
        "data: {\"choices\":[{\"delta\":{\"content\":\"unterminated\n\n"
            .getBytes(StandardCharsets.UTF_8));
    out.write(
        new byte[] {'d', 'a', 't', 'a', ':', ' ', 0, 1, 2, (byte) 0xff, (byte) 0xfe, '\n', '\n'});
    out.write("event: weird\nid: 7\nretry: x\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
    // And then the LLM dies: no [DONE], connection closed.
  }

  private static void huge(OutputStream out) throws IOException {
    out.write(sseHead());
    byte[] prefix =
        "data: {\"choices\":[{\"delta\":{\"content\":\"".getBytes(StandardCharsets.UTF_8);
    out.write(prefix);
    byte[] block = new byte[64 * 1024];
    java.util.Arrays.fill(block, (byte) 'a');
    for (int written = 0; written < HUGE_EVENT_BYTES; written += block.length) {
      out.write(block);
    }
    out.write("\"}}]}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static byte[] sseHead() {
    return ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            + "Connection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static void respond(OutputStream out, String status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    out.write(
        ("HTTP/1.1 "
                + status
                + "\r\nContent-Type: "
                + type
                + "\r\nContent-Length: "
                + bytes.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
  }

  /** The request line and headers, without the blank line; null if the caller hung up first. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
      }
    }
    return null;
  }
}
