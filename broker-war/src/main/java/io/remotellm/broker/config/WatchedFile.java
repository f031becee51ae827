package io.remotellm.broker.config;

import io.remotellm.protocol.Fingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Tells, look after look, whether a configuration file has a new content to put in force. A change
 * counts once the file has read the same on two looks in a row, so an editor caught half-way
 * through writing cannot apply half a file; content that was refused is not offered again until it
 * changes. Not thread-safe: one look at a time.
 */
public final class WatchedFile {

  /** What one look found. */
  public sealed interface Look {}

  /** Nothing to do: the file is what is in force, or is still changing, or was refused before. */
  public record Unchanged() implements Look {}

  /** The file is not there or not readable: what is in force stays. */
  public record Unreadable(String why) implements Look {}

  /** A steady new content: try it, then call {@link #applied} or {@link #refused}. */
  public record Changed() implements Look {}

  private final Path file;
  private byte[] seen;
  private byte[] applied;
  private byte[] refused;
  private byte[] offered;

  public WatchedFile(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  public Look look() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new Unreadable(file + " is not there");
    } catch (IOException e) {
      return new Unreadable("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    byte[] digest = Fingerprint.sha256(content);
    boolean steady = Arrays.equals(digest, seen);
    seen = digest;
    // Until something is applied, a steady file is offered once: it may have changed between the
    // load at start and the first look, and reloading the same content changes nothing.
    if (Arrays.equals(digest, applied) || Arrays.equals(digest, refused) || !steady) {
      return new Unchanged();
    }
    offered = digest;
    return new Changed();
  }

  /** Whether the file on disk is what is in force (after a look that found it readable). */
  public boolean inForce() {
    return Arrays.equals(seen, applied);
  }

  /** The content offered by the last {@link Changed} is in force now. */
  public void applied() {
    applied = offered;
    refused = null;
  }

  /** The content offered by the last {@link Changed} could not be used. */
  public void refused() {
    refused = offered;
  }
}
