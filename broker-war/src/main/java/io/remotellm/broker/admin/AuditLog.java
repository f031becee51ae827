package io.remotellm.broker.admin;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every admin action, with the fingerprint of the admin key that took it: written to the log and
 * kept (the latest {@value #KEPT}) for the admin page. The database holds all of them ({@link
 * AdminState} writes each there first) and fills this at start.
 */
@ApplicationScoped
public class AuditLog {

  private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());
  static final int KEPT = 500;

  /**
   * One action.
   *
   * @param admin the admin key's fingerprint
   * @param action e.g. {@code user.create}
   * @param target the user's name or the connector token's fingerprint; never a key
   * @param detail what changed, e.g. the new limits
   */
  public record Entry(Instant time, String admin, String action, String target, String detail) {}

  private final Deque<Entry> entries = new ArrayDeque<>();

  public void record(String admin, String action, String target, String detail) {
    record(new Entry(Instant.now(), admin, action, target, detail));
  }

  public void record(Entry entry) {
    String admin = entry.admin();
    String action = entry.action();
    String target = entry.target();
    String detail = entry.detail();
    keep(entry);
    LOG.log(
        Level.INFO,
        "admin audit: admin key {0} {1} {2} {3}",
        new Object[] {admin, action, target, detail});
  }

  /** Keeps an entry for the admin page without logging it (another broker logged it). */
  public void keep(Entry entry) {
    synchronized (entries) {
      entries.addFirst(entry);
      if (entries.size() > KEPT) {
        entries.removeLast();
      }
    }
  }

  /** Replaces what is kept with these, newest first (as read from the database at start). */
  public void restore(List<Entry> newestFirst) {
    synchronized (entries) {
      entries.clear();
      newestFirst.stream().limit(KEPT).forEach(entries::addLast);
    }
  }

  /** Newest first. */
  public List<Entry> entries() {
    synchronized (entries) {
      return new ArrayList<>(entries);
    }
  }
}
