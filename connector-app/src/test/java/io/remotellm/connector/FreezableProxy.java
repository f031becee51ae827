package io.remotellm.connector;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of a server that can go silent: after {@link #freeze()} the connections it
 * carries stay open but pass nothing either way, like a broker behind a dead NAT mapping. New
 * connections after a freeze are carried normally.
 */
final class FreezableProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> frozen = new CopyOnWriteArrayList<>();
  private final List<Connection> live = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();

  private final class Connection {
    volatile boolean silent;
  }

  FreezableProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0);
    Thread acceptor = new Thread(this::accept, "freezable-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  int accepted() {
    return accepted.get();
  }

  /** Every connection open now goes silent (and stays open). */
  void freeze() {
    for (Connection c : live) {
      c.silent = true;
    }
    live.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket("127.0.0.1", targetPort);
        accepted.incrementAndGet();
        frozen.add(client);
        frozen.add(upstream);
        Connection c = new Connection();
        live.add(c);
        pump(client, upstream, c);
        pump(upstream, client, c);
      } catch (IOException e) {
        // The proxy was closed, or the target is down: the client sees its connection fail.
      }
    }
  }

  private static void pump(Socket from, Socket to, Connection c) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  if (!c.silent) {
                    out.write(buffer, 0, n);
                    out.flush();
                  }
                }
              } catch (IOException e) {
                // One side closed; the other pump ends on its own.
              }
            },
            "freezable-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : frozen) {
      s.close();
    }
  }
}
