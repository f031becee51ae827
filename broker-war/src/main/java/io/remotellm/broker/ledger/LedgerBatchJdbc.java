package io.remotellm.broker.ledger;

import io.remotellm.broker.usage.UsageRecorded;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Writes a batch of the ledger's rows and adds to their days' totals through plain JDBC batching,
 * in one transaction: the same on every server and provider. The JPA provider's per-row {@code
 * persist} (change tracking, an entity per row, its own batching) cost the ledger's thread about
 * 8–10 % of the broker's CPU per request (docs/benchmarks.md); this does what the tables need and
 * nothing else. Reads and the admin's tables stay on Jakarta Persistence ({@link LedgerStore}).
 *
 * <p>Row ids come from {@code usage_record_seq} a hundred at a time, as the JPA mapping takes them
 * ({@link LedgerEntry}): each value {@code v} stands for ids {@code v-99..v}, so brokers of either
 * kind on one database never collide. Used by one thread (the ledger's writer).
 */
final class LedgerBatchJdbc {

  /** Ids per value of the sequence: its INCREMENT BY and the JPA mapping's allocationSize. */
  static final int IDS_PER_VALUE = 100;

  private static final String INSERT_ROW =
      "INSERT INTO usage_record (id, started_at, request_id, user_name, model, connector_id, api,"
          + " endpoint, status, streamed, input_tokens, output_tokens, first_token_ms,"
          + " duration_ms, cancelled, estimated)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String ADD_TO_DAY =
      "UPDATE usage_daily SET requests = requests + ?, failed_requests = failed_requests + ?,"
          + " estimated_requests = estimated_requests + ?, input_tokens = input_tokens + ?,"
          + " output_tokens = output_tokens + ? WHERE usage_day = ? AND user_name = ? AND model = ?";
  private static final String INSERT_DAY =
      "INSERT INTO usage_daily (requests, failed_requests, estimated_requests, input_tokens,"
          + " output_tokens, usage_day, user_name, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

  private final DataSource dataSource;
  private final String nextValue;
  private long nextId = 1;
  private long lastId;

  /**
   * @param kind the database, as {@link DriverDataSource#kind} names it ({@code h2} or {@code
   *     postgresql}): the one statement that differs is how a sequence is read
   */
  LedgerBatchJdbc(DataSource dataSource, String kind) {
    this.dataSource = dataSource;
    this.nextValue =
        kind.equals("h2")
            ? "SELECT NEXT VALUE FOR usage_record_seq"
            : "SELECT nextval('usage_record_seq')";
  }

  /** Writes {@code batch} whole or not at all. */
  void write(List<UsageRecorded> batch) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Map<DailyUsageKey, DailyUsage> days = insertRows(c, batch);
        addToDays(c, days.values());
        c.commit();
      } catch (SQLException | RuntimeException e) {
        // Ids taken in a transaction that may or may not have committed are never used again.
        nextId = lastId + 1;
        try {
          c.rollback();
        } catch (SQLException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
    }
  }

  /** Inserts a row per record; returns the records' counts summed by day, user and model. */
  private Map<DailyUsageKey, DailyUsage> insertRows(Connection c, List<UsageRecorded> batch)
      throws SQLException {
    Map<DailyUsageKey, DailyUsage> days = new LinkedHashMap<>();
    try (PreparedStatement insert = c.prepareStatement(INSERT_ROW)) {
      for (UsageRecorded usage : batch) {
        LedgerEntry e = LedgerEntry.of(usage); // cuts and cleans the strings as the columns need
        insert.setLong(1, nextId(c));
        insert.setObject(2, e.startedAt);
        insert.setString(3, e.requestId);
        insert.setString(4, e.userName);
        insert.setString(5, e.model);
        insert.setString(6, e.connectorId);
        insert.setString(7, e.api);
        insert.setString(8, e.endpoint);
        insert.setInt(9, e.status);
        insert.setBoolean(10, e.streamed);
        insert.setLong(11, e.inputTokens);
        insert.setLong(12, e.outputTokens);
        if (e.firstTokenMillis == null) {
          insert.setNull(13, Types.BIGINT);
        } else {
          insert.setLong(13, e.firstTokenMillis);
        }
        insert.setLong(14, e.durationMillis);
        insert.setBoolean(15, e.cancelled);
        insert.setBoolean(16, e.estimated);
        insert.addBatch();
        DailyUsageKey key =
            new DailyUsageKey(
                e.startedAt.withOffsetSameInstant(ZoneOffset.UTC).toLocalDate(),
                e.userName,
                e.model);
        days.computeIfAbsent(key, DailyUsage::new).add(e);
      }
      insert.executeBatch();
    }
    return days;
  }

  /**
   * Adds to each day's row, and makes the rows that are not there yet. The updates run one by one,
   * for an exact count of what each found (a batch may answer "done, count unknown"); a batch has
   * few distinct days, users and models. Two brokers making the same row at once: one commit fails
   * on the key, and its batch is written again, which then finds the row.
   */
  private static void addToDays(Connection c, Collection<DailyUsage> days) throws SQLException {
    List<DailyUsage> missing = new ArrayList<>();
    try (PreparedStatement update = c.prepareStatement(ADD_TO_DAY)) {
      for (DailyUsage day : days) {
        bindDay(update, day);
        if (update.executeUpdate() == 0) {
          missing.add(day);
        }
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    try (PreparedStatement insert = c.prepareStatement(INSERT_DAY)) {
      for (DailyUsage day : missing) {
        bindDay(insert, day);
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /** The counts, then the key: the order both day statements take them in. */
  private static void bindDay(PreparedStatement s, DailyUsage day) throws SQLException {
    s.setLong(1, day.requests);
    s.setLong(2, day.failedRequests);
    s.setLong(3, day.estimatedRequests);
    s.setLong(4, day.inputTokens);
    s.setLong(5, day.outputTokens);
    s.setObject(6, day.key.day);
    s.setString(7, day.key.userName);
    s.setString(8, day.key.model);
  }

  /** The next row id, reading the sequence once per hundred. */
  private long nextId(Connection c) throws SQLException {
    if (nextId > lastId) {
      try (PreparedStatement s = c.prepareStatement(nextValue);
          ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("usage_record_seq gave no value");
        }
        lastId = rs.getLong(1);
        nextId = lastId - IDS_PER_VALUE + 1;
      }
    }
    return nextId++;
  }
}
