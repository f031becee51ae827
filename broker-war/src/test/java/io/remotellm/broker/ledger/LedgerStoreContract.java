package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.usage.UsageRecorded;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the ledger's tables must do on every database it supports. */
abstract class LedgerStoreContract {

  /** A store on an empty database, migrated. */
  abstract LedgerStore store();

  /**
   * Another store on the database of the last {@link #store()}: a second broker's; closed after.
   */
  abstract LedgerStore secondStore();

  private static final Instant DAY1 = Instant.parse("2026-12-05T23:59:58Z");
  private static final Instant DAY2 = Instant.parse("2026-12-06T00:00:01Z");

  @Test
  void rowsAndDailyTotalsPerUserAndModel() {
    LedgerStore store = store();
    store.write(
        List.of(
            Usages.of(DAY1, "alice", "llama", 200, 10, 20, false),
            Usages.of(DAY2, "alice", "llama", 200, 1, 2, false),
            Usages.of(DAY2, "alice", "llama", 499, 3, 4, true),
            Usages.of(DAY2, "bob", "llama", 502, 5, 0, true),
            Usages.of(DAY2, null, "qwen", 200, 7, 8, false)));
    // A later batch adds to the same day's totals.
    store.write(List.of(Usages.of(DAY2.plusSeconds(60), "alice", "llama", 200, 100, 200, false)));

    List<LedgerEntry> rows = store.entriesSince(DAY1.atOffset(ZoneOffset.UTC));
    assertThat(rows).hasSize(6);
    LedgerEntry first = rows.get(0);
    assertThat(first.userName()).isEqualTo("alice");
    assertThat(first.model()).isEqualTo("llama");
    assertThat(first.inputTokens()).isEqualTo(10);
    assertThat(first.outputTokens()).isEqualTo(20);
    assertThat(first.firstTokenMillis()).isEqualTo(12);
    assertThat(first.durationMillis()).isEqualTo(340);
    assertThat(first.startedAt().toInstant()).isEqualTo(DAY1);
    assertThat(rows.get(2).cancelled()).isTrue();
    assertThat(rows.get(2).estimated()).isTrue();
    assertThat(rows.get(4).userName()).isNull();

    assertThat(store.daily(LocalDate.parse("2026-12-05")))
        .singleElement()
        .satisfies(d -> assertThat(d.inputTokens()).isEqualTo(10));
    List<DailyUsage> day2 = store.daily(LocalDate.parse("2026-12-06"));
    assertThat(day2)
        .extracting(d -> d.key().userName() + "/" + d.key().model())
        .containsExactly("/qwen", "alice/llama", "bob/llama");
    DailyUsage alice = day2.get(1);
    assertThat(alice.requests()).isEqualTo(3);
    assertThat(alice.inputTokens()).isEqualTo(104);
    assertThat(alice.outputTokens()).isEqualTo(206);
    assertThat(alice.failedRequests()).isEqualTo(1);
    assertThat(alice.estimatedRequests()).isEqualTo(1);
    assertThat(day2.get(2).failedRequests()).isEqualTo(1);
  }

  @Test
  void retentionRemovesOldRowsAndOldDays() {
    LedgerStore store = store();
    store.write(
        List.of(
            Usages.of(DAY1, "alice", "llama", 200, 1, 1, false),
            Usages.of(DAY2, "alice", "llama", 200, 1, 1, false)));
    int removed = store.purge(OffsetDateTime.parse("2026-12-06T00:00:00Z"), null);
    assertThat(removed).isEqualTo(1);
    assertThat(store.entriesSince(DAY1.atOffset(ZoneOffset.UTC))).hasSize(1);
    assertThat(store.daily(LocalDate.parse("2026-12-05"))).hasSize(1);
    store.purge(null, LocalDate.parse("2026-12-06"));
    assertThat(store.daily(LocalDate.parse("2026-12-05"))).isEmpty();
    assertThat(store.daily(LocalDate.parse("2026-12-06"))).hasSize(1);
  }

  @Test
  void longStringsAreCutAndNulsReplacedNotRefused() {
    LedgerStore store = store();
    store.write(List.of(Usages.of(DAY1, "u".repeat(1000), "m".repeat(1000), 200, 1, 1, false)));
    store.write(List.of(Usages.of(DAY2, "eve", "bad\u0000model", 200, 1, 1, false)));
    List<LedgerEntry> rows = store.entriesSince(DAY1.atOffset(ZoneOffset.UTC));
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).model()).hasSize(256);
    assertThat(rows.get(1).model()).isEqualTo("bad\uFFFDmodel");
  }

  /**
   * 250 rows (more than two hundreds of ids) of few users and models over two days: every row, and
   * each day's totals equal to what the test adds up itself.
   */
  @Test
  void aBatchWithRepeatedKeysHasEveryRowAndExactDailyTotals() {
    LedgerStore store = store();
    String[] users = {"alice", "bob", null};
    String[] models = {"llama", "qwen"};
    List<UsageRecorded> batch = new ArrayList<>();
    Map<String, long[]> sums = new TreeMap<>(); // day/user/model: requests, failed, est., in, out
    for (int i = 0; i < 250; i++) {
      Instant started = (i % 5 == 0 ? DAY1 : DAY2).plusMillis(i);
      String user = users[i % 3];
      String model = models[i % 2];
      int status = i % 7 == 0 ? 502 : 200;
      boolean estimated = i % 4 == 0;
      batch.add(Usages.of(started, user, model, status, i, 2L * i, estimated));
      String day = started.atOffset(ZoneOffset.UTC).toLocalDate().toString();
      long[] sum =
          sums.computeIfAbsent(
              day + "/" + (user == null ? "" : user) + "/" + model, k -> new long[5]);
      sum[0]++;
      sum[1] += status >= 400 ? 1 : 0;
      sum[2] += estimated ? 1 : 0;
      sum[3] += i;
      sum[4] += 2L * i;
    }
    Map<String, String> expected = new TreeMap<>();
    sums.forEach((key, sum) -> expected.put(key, counts(sum)));
    store.write(batch);

    List<LedgerEntry> rows = store.entriesSince(DAY1.minusSeconds(1).atOffset(ZoneOffset.UTC));
    assertThat(rows).hasSize(250);
    assertThat(rows).extracting(e -> e.id).doesNotHaveDuplicates();
    assertThat(rows.stream().mapToLong(LedgerEntry::inputTokens).sum()).isEqualTo(250 * 249 / 2);
    assertThat(dailyTotals(store)).isEqualTo(expected);
  }

  /**
   * A batch that fails (a row the table refuses) leaves nothing behind, and the store's next batch
   * is written whole, on new ids.
   */
  @Test
  void aFailedBatchWritesNothingAndTheNextIsWhole() {
    LedgerStore store = store();
    store.write(List.of(Usages.of(DAY1, "alice", "llama", 200, 1, 1, false)));
    List<UsageRecorded> refused =
        List.of(
            Usages.of(DAY2, "alice", "llama", 200, 10, 10, false),
            Usages.of(DAY2.plusMillis(1), "alice", null, 200, 10, 10, false), // model NOT NULL
            Usages.of(DAY2.plusMillis(2), "bob", "llama", 200, 10, 10, false));
    assertThatThrownBy(() -> store.write(refused)).isInstanceOf(IllegalStateException.class);
    assertThat(store.entriesSince(DAY1.atOffset(ZoneOffset.UTC))).hasSize(1);
    assertThat(store.daily(LocalDate.parse("2026-12-06"))).isEmpty();

    store.write(
        List.of(
            Usages.of(DAY1.plusMillis(1), "alice", "llama", 200, 2, 3, false),
            Usages.of(DAY2, "bob", "llama", 200, 4, 5, false)));
    List<LedgerEntry> rows = store.entriesSince(DAY1.atOffset(ZoneOffset.UTC));
    assertThat(rows).hasSize(3);
    assertThat(rows).extracting(e -> e.id).doesNotHaveDuplicates();
    assertThat(dailyTotals(store))
        .containsExactly(
            Map.entry("2026-12-05/alice/llama", "2 0 0 3 4"),
            Map.entry("2026-12-06/bob/llama", "1 0 0 4 5"));
  }

  /** Two brokers on one database: their rows never share an id, and they add to the same day. */
  @Test
  void twoBrokersAddToTheSameDayOnDistinctIds() {
    LedgerStore one = store();
    LedgerStore two = secondStore();
    for (int round = 0; round < 3; round++) {
      one.write(List.of(Usages.of(DAY2.plusSeconds(round), "alice", "llama", 200, 1, 10, false)));
      two.write(
          List.of(
              Usages.of(
                  DAY2.plusSeconds(round).plusMillis(1), "alice", "llama", 200, 2, 20, false)));
    }
    List<LedgerEntry> rows = one.entriesSince(DAY2.atOffset(ZoneOffset.UTC));
    assertThat(rows).hasSize(6);
    assertThat(rows).extracting(e -> e.id).doesNotHaveDuplicates();
    assertThat(dailyTotals(two)).containsExactly(Map.entry("2026-12-06/alice/llama", "6 0 0 9 90"));
  }

  /** The daily totals of both test days, as day/user/model to the five counts. */
  private static Map<String, String> dailyTotals(LedgerStore store) {
    Map<String, String> totals = new TreeMap<>();
    for (String day : List.of("2026-12-05", "2026-12-06")) {
      for (DailyUsage d : store.daily(LocalDate.parse(day))) {
        totals.put(
            d.key().day() + "/" + d.key().userName() + "/" + d.key().model(),
            counts(
                new long[] {
                  d.requests(),
                  d.failedRequests(),
                  d.estimatedRequests(),
                  d.inputTokens(),
                  d.outputTokens()
                }));
      }
    }
    return totals;
  }

  /** Requests, failed, estimated, input and output tokens, as "1 0 0 3 4". */
  private static String counts(long[] counts) {
    StringBuilder text = new StringBuilder();
    for (long n : counts) {
      text.append(text.length() == 0 ? "" : " ").append(n);
    }
    return text.toString();
  }
}
