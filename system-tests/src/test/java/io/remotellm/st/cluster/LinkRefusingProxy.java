package io.remotellm.st.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback in front of one broker, used as that broker's public URL, that passes
 * every HTTP request through but answers a peer link's upgrade ({@code GET /cluster/link}) with
 * 403: the other brokers' HTTP forwards reach the broker, their peer links never do. Each
 * connection is looked at once, at its first request (the JDK dials every WebSocket on a connection
 * of its own).
 */
final class LinkRefusingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger passed = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  LinkRefusingProxy(int port, int target) throws IOException {
    this.server = new ServerSocket();
    this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    this.target = target;
    Thread acceptor = new Thread(this::accept, "link-refusing-proxy-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Upgrades to {@code /cluster/link} answered with 403 so far. */
  int refused() {
    return refused.get();
  }

  /** Connections passed through to the broker so far. */
  int passed() {
    return passed.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        open.add(client);
        daemon(() -> serve(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      byte[] head = readHead(in);
      if (head == null) {
        return;
      }
      String first = new String(head, StandardCharsets.ISO_8859_1);
      if (first.startsWith("GET /cluster/link")) {
        refused.incrementAndGet();
        client
            .getOutputStream()
            .write(
                ("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        return;
      }
      passed.incrementAndGet();
      try (Socket broker = new Socket(InetAddress.getLoopbackAddress(), target)) {
        open.add(broker);
        broker.getOutputStream().write(head);
        Thread back = daemon(() -> pipe(broker, client));
        pipe(client, broker);
        back.join();
      } finally {
        open.removeIf(Socket::isClosed);
      }
    } catch (IOException e) {
      // A peer that hung up: its forward sees the close, as it would without the relay.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pipe(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buffer = new byte[16384];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      try {
        to.close();
        from.close();
      } catch (IOException ignored) {
        // both sides are going anyway
      }
    }
  }

  /** The request's head, up to and with its blank line, or null if the client hung up first. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      if (b == '\r') {
        matched = matched == 2 ? 3 : 1;
      } else if (b == '\n' && (matched == 1 || matched == 3)) {
        matched++;
      } else {
        matched = 0;
      }
      if (head.size() > 65536) {
        throw new IOException("request head over 64 KiB");
      }
    }
    return head.toByteArray();
  }

  private static Thread daemon(Runnable task) {
    Thread t = new Thread(task, "link-refusing-proxy-conn");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
