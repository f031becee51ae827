package io.remotellm.st.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * Ports the OS says are free right now, for processes that need a fixed port on their command line.
 */
public final class FreePort {
  private FreePort() {}

  public static int next() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An offset under which {@code ports} are all free on 127.0.0.1 right now, for servers that take
   * one base or offset for all their ports (WildFly's port offset, Payara's port base).
   */
  public static int offsetWithAllFree(int... ports) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int offset = ThreadLocalRandom.current().nextInt(1000, 40000);
      if (IntStream.of(ports).allMatch(p -> isFree(p + offset))) {
        return offset;
      }
    }
    throw new IllegalStateException("no offset under which all of these ports are free");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.isBound();
    } catch (IOException e) {
      return false;
    }
  }
}
