package io.remotellm.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The fake keeps a kept-alive connection open after answering however many others are idle (issue
 * 17): the JDK server's default closes each one past 200 right after its answer, unannounced, and
 * the benchmark's client failed the next request it sent there.
 */
class FakeLlmKeepAliveTest {

  /** More than the JDK server's default of 200 idle connections. */
  private static final int CONNECTIONS = 260;

  private static final byte[] REQUEST =
      "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-test\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  @Test
  void everyIdleKeptAliveConnectionStillAnswersItsNextRequest() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    try (FakeLlm fake = FakeLlm.start()) {
      for (int i = 0; i < CONNECTIONS; i++) {
        Socket s = new Socket("127.0.0.1", fake.port());
        s.setSoTimeout(60_000);
        sockets.add(s);
        // One at a time: each answer is complete, and its connection idle, before the next.
        assertThat(exchange(s)).as("first answer on connection %d", i).startsWith("HTTP/1.1 200");
      }
      int closed = 0;
      for (Socket s : sockets) {
        if (exchange(s) == null) {
          closed++;
        }
      }
      assertThat(closed).as("connections the fake closed after answering").isZero();
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** Sends the request and reads the whole answer's head; null when the server had closed. */
  private static String exchange(Socket s) throws IOException {
    OutputStream out = s.getOutputStream();
    try {
      out.write(REQUEST);
      out.flush();
    } catch (IOException reset) {
      return null;
    }
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    try {
      while ((b = in.read()) != -1) {
        head.write(b);
        if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
          break;
        }
      }
    } catch (IOException reset) {
      return null;
    }
    if (b == -1) {
      return null;
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    long length = -1;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(line.substring("content-length:".length()).strip());
      }
    }
    assertThat(length).as("a kept-alive answer says its length: %s", text).isPositive();
    assertThat(in.readNBytes((int) length)).hasSize((int) length);
    return text;
  }
}
