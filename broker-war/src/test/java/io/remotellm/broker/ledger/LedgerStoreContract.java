package io.remotellm.broker.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the ledger's tables must do on every database it supports. */
abstract class LedgerStoreContract {

  /** A store on an empty database, migrated. */
  abstract LedgerStore store();

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
}
