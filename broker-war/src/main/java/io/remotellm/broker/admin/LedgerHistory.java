package io.remotellm.broker.admin;

import io.remotellm.broker.ledger.DailyUsage;
import io.remotellm.broker.ledger.LedgerStore;
import io.remotellm.broker.ledger.UsageLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tokens per UTC day over the last {@value #DAYS} days, by user and by model, from the usage
 * ledger's daily totals. Read at most every {@link #FRESH} (the page polls every 2 s; the totals
 * change by batch anyway), and empty while the database is not reached.
 */
@ApplicationScoped
public class LedgerHistory {

  private static final Logger LOG = Logger.getLogger(LedgerHistory.class.getName());
  static final int DAYS = 7;
  static final Duration FRESH = Duration.ofSeconds(10);

  /**
   * The days, oldest first, and each user's and model's tokens on them.
   *
   * @param available false when the ledger could not be read
   */
  public record Days(
      boolean available,
      List<LocalDate> days,
      Map<String, long[]> byUser,
      Map<String, long[]> byModel) {

    /** A user's tokens on the last day (today, UTC) and over all the days. */
    public long[] todayAndAll(String user) {
      long[] series = byUser.get(user);
      if (series == null) {
        return new long[] {0, 0};
      }
      long all = 0;
      for (long v : series) {
        all += v;
      }
      return new long[] {series[series.length - 1], all};
    }
  }

  @Inject UsageLedger ledger;

  private volatile Days cached;
  private volatile long cachedAt;

  public Days days() {
    long now = System.nanoTime();
    Days days = cached;
    if (days == null || now - cachedAt > FRESH.toNanos()) {
      days = read();
      cached = days;
      cachedAt = now;
    }
    return days;
  }

  private Days read() {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    List<LocalDate> days = new ArrayList<>();
    for (int i = DAYS - 1; i >= 0; i--) {
      days.add(today.minusDays(i));
    }
    Map<String, long[]> byUser = new TreeMap<>();
    Map<String, long[]> byModel = new TreeMap<>();
    LedgerStore store = ledger.store();
    if (store == null) {
      return new Days(false, days, byUser, byModel);
    }
    try {
      for (int i = 0; i < DAYS; i++) {
        for (DailyUsage d : store.daily(days.get(i))) {
          long tokens = d.inputTokens() + d.outputTokens();
          byUser.computeIfAbsent(String.valueOf(d.key().userName()), k -> new long[DAYS])[i] +=
              tokens;
          byModel.computeIfAbsent(String.valueOf(d.key().model()), k -> new long[DAYS])[i] +=
              tokens;
        }
      }
      return new Days(true, days, byUser, byModel);
    } catch (RuntimeException e) {
      // The page shows the rest; the ledger reports its own database trouble.
      LOG.log(Level.FINE, "admin: usage ledger not readable", e);
      return new Days(false, days, Map.of(), Map.of());
    }
  }
}
