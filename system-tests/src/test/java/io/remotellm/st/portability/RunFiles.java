package io.remotellm.st.portability;

import io.remotellm.st.support.ProductProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Each run gets fresh server directories under target/portability: a server's configuration is
 * changed by its set-up, and a second run must not find the first one's deployment.
 */
final class RunFiles {
  private RunFiles() {}

  /** A new directory for this run of {@code server}; those of earlier runs are removed. */
  static Path runDir(String server) {
    Path parent = ProductProcess.root().resolve("system-tests/target/portability");
    try {
      Files.createDirectories(parent);
      try (Stream<Path> old = Files.list(parent)) {
        old.filter(d -> d.getFileName().toString().startsWith(server + "-"))
            .forEach(RunFiles::delete);
      }
      return Files.createDirectories(parent.resolve(server + "-" + System.currentTimeMillis()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path tree) {
    try (Stream<Path> files = Files.walk(tree)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
