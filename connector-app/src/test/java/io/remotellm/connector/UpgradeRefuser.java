package io.remotellm.connector;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A server that answers every WebSocket upgrade with a plain HTTP error, e.g. 401: a broker
 * refusing a token.
 */
final class UpgradeRefuser implements AutoCloseable {
  private final ServerSocket server;
  private final Semaphore attempts = new Semaphore(0);
  private final Thread acceptor;

  UpgradeRefuser(int status) throws IOException {
    server = new ServerSocket(0);
    acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                  InputStream in = socket.getInputStream();
                  StringBuilder head = new StringBuilder();
                  while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                      break;
                    }
                    head.append((char) b);
                  }
                  OutputStream out = socket.getOutputStream();
                  out.write(
                      ("HTTP/1.1 "
                              + status
                              + " Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                          .getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  attempts.release();
                } catch (IOException e) {
                  // Closed by the test, or a client that went away: either way, next.
                }
              }
            },
            "upgrade-refuser");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  boolean awaitAttempts(int n, Duration timeout) throws InterruptedException {
    return attempts.tryAcquire(n, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
