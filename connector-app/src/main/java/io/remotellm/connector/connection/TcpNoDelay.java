package io.remotellm.connector.connection;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Turns Nagle's algorithm off on the socket under a Tyrus client session.
 *
 * <p>Why: the relay sends many small frames ({@code head}, then one {@code data} per token). With
 * Nagle on, a frame that follows another within the peer's delayed-ACK window (about 40 ms on
 * Linux) is held back until the ACK comes: measured here, the first token of every stream arrived
 * 40 ms late. Tyrus's JDK transport opens its {@link AsynchronousSocketChannel} privately and has
 * no option for this, so the channel is found by walking the session's object graph (Tyrus classes
 * only, bounded depth). If a Tyrus version hides it elsewhere, nothing breaks: the link works as
 * before, only slower, and {@link #enable} says so.
 */
final class TcpNoDelay {
  private static final int MAX_DEPTH = 12;

  private TcpNoDelay() {}

  /**
   * True if a socket channel was found under {@code root} and TCP_NODELAY set on it, or it was
   * already closed.
   */
  static boolean enable(Object root) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Object[]> todo = new ArrayDeque<>();
    todo.add(new Object[] {root, 0});
    while (!todo.isEmpty()) {
      Object[] entry = todo.poll();
      Object node = entry[0];
      int depth = (Integer) entry[1];
      if (node == null || !seen.add(node)) {
        continue;
      }
      if (node instanceof AsynchronousSocketChannel channel) {
        try {
          channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
          return true;
        } catch (Exception e) {
          // A socket closed under us (the connector stopping while it dialled) needs no tuning.
          return !channel.isOpen();
        }
      }
      if (depth >= MAX_DEPTH || !node.getClass().getName().startsWith("org.glassfish.tyrus.")) {
        continue;
      }
      for (Class<?> type = node.getClass();
          type != null && type != Object.class;
          type = type.getSuperclass()) {
        for (Field field : type.getDeclaredFields()) {
          if (Modifier.isStatic(field.getModifiers()) || field.getType().isPrimitive()) {
            continue;
          }
          try {
            field.setAccessible(true);
            todo.add(new Object[] {field.get(node), depth + 1});
          } catch (RuntimeException | IllegalAccessException inaccessible) {
            // A field we may not read cannot lead to the channel; try the others.
          }
        }
      }
    }
    return false;
  }
}
