package io.remotellm.broker.admin;

import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.cluster.ClusterMember;
import io.remotellm.broker.cluster.ClusterView;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.relay.ConnectorLink;
import io.remotellm.broker.relay.ConnectorLinkRouter;
import io.remotellm.broker.relay.ConnectorRegistry;
import io.remotellm.broker.users.IssuedKeys;
import io.remotellm.broker.users.User;
import io.remotellm.broker.users.UserDirectory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** What the admin API shows, as JSON: read from the beans that own each thing, never copied. */
@ApplicationScoped
public class AdminView {

  @Inject ConnectorRegistry registry;
  @Inject ConnectorLinkRouter router;
  @Inject Credentials credentials;
  @Inject UserDirectory directory;
  @Inject IssuedKeys issued;
  @Inject RecentTraffic traffic;
  @Inject AuditLog audit;
  @Inject LedgerHistory ledger;
  @Inject ClusterView cluster;

  public JsonObject overview() {
    LedgerHistory.Days days = ledger.days();
    return Json.createObjectBuilder()
        .add("time", Instant.now().toString())
        .add("connectors", connectors())
        .add("connector_tokens", connectorTokens())
        .add("models", models())
        .add("cluster", cluster())
        .add("users", users(days))
        .add("usage_by_day", usageByDay(days))
        .add("traffic", traffic())
        .add("audit", audit())
        .build();
  }

  JsonArrayBuilder connectors() {
    JsonArrayBuilder all = Json.createArrayBuilder();
    for (ConnectorLink link : router.routes()) {
      long rtt = link.roundTripNanos();
      all.add(
          Json.createObjectBuilder()
              .add("id", link.id())
              .add("token_fingerprint", link.fingerprint())
              .add("name", link.name())
              .add("address", link.address())
              .add("models", Json.createArrayBuilder(new TreeSet<>(link.models())))
              .add("apis", Json.createArrayBuilder(apis(link)))
              .add("protocol", link.protocol())
              .add("capacity", link.capacity())
              .add("in_flight", router.inFlight(link))
              .add("round_trip_ms", rtt < 0 ? -1 : rtt / 1_000_000.0)
              .add("connected_since", link.connectedSince().toString())
              .add("reconnects", registry.reconnects(link.fingerprint())));
    }
    return all;
  }

  /**
   * The cluster's brokers (alive or seen leaving) and, for each connector anywhere in it, the
   * broker it is attached to; {@code clustered: false} and empty lists for one broker.
   */
  JsonObjectBuilder cluster() {
    JsonArrayBuilder members = Json.createArrayBuilder();
    JsonArrayBuilder connectors = Json.createArrayBuilder();
    for (ClusterMember m : cluster.brokers()) {
      JsonObjectBuilder member =
          Json.createObjectBuilder()
              .add("member_id", m.memberId())
              .add("public_url", m.publicUrl())
              .add("alive", m.alive())
              .add("this_broker", m.thisBroker())
              .add("connectors", m.connectors().size());
      members.add(m.leftAt() == null ? member : member.add("left_at", m.leftAt().toString()));
      for (ClusterMember.Attached c : m.connectors()) {
        connectors.add(
            Json.createObjectBuilder()
                .add("id", c.id())
                .add("member_id", m.memberId())
                .add("public_url", m.publicUrl())
                .add("this_broker", m.thisBroker())
                .add("models", Json.createArrayBuilder(c.models()))
                .add("apis", Json.createArrayBuilder(c.apis()))
                .add("in_flight", c.inFlight()));
      }
    }
    return Json.createObjectBuilder()
        .add("clustered", cluster.clustered())
        .add("members", members)
        .add("connectors", connectors);
  }

  private static TreeSet<String> apis(ConnectorLink link) {
    TreeSet<String> names = new TreeSet<>();
    link.apis().forEach(api -> names.add(api.wireName()));
    return names;
  }

  JsonArrayBuilder connectorTokens() {
    JsonArrayBuilder all = Json.createArrayBuilder();
    credentials
        .tokens()
        .forEach(
            (fingerprint, revoked) ->
                all.add(
                    Json.createObjectBuilder()
                        .add("fingerprint", fingerprint)
                        .add("revoked", revoked)));
    return all;
  }

  /** Model → the connectors (ids) serving it. */
  JsonObjectBuilder models() {
    Map<String, TreeSet<String>> served = new TreeMap<>();
    for (ConnectorLink link : router.routes()) {
      link.models().forEach(m -> served.computeIfAbsent(m, k -> new TreeSet<>()).add(link.id()));
    }
    JsonObjectBuilder all = Json.createObjectBuilder();
    served.forEach((model, ids) -> all.add(model, Json.createArrayBuilder(ids)));
    return all;
  }

  JsonArrayBuilder users(LedgerHistory.Days days) {
    JsonArrayBuilder all = Json.createArrayBuilder();
    for (UserDirectory.Listed listed : directory.configuredUsers()) {
      String source = listed.fromFile() ? "file" : "list";
      all.add(user(listed.user(), listed.keyFingerprint(), source, days));
    }
    for (IssuedKeys.Issued i : issued.list()) {
      all.add(user(i.user(), i.keyFingerprint(), "admin", days));
    }
    return all;
  }

  /** Tokens per UTC day from the usage ledger, oldest first; empty series without a ledger. */
  static JsonObjectBuilder usageByDay(LedgerHistory.Days days) {
    JsonArrayBuilder dates = Json.createArrayBuilder();
    days.days().forEach(d -> dates.add(d.toString()));
    return Json.createObjectBuilder()
        .add("available", days.available())
        .add("days", dates)
        .add("tokens_by_user", series(days.byUser()))
        .add("tokens_by_model", series(days.byModel()));
  }

  private JsonObjectBuilder user(
      User user, String keyFingerprint, String source, LedgerHistory.Days days) {
    RecentTraffic.UserTotals totals = traffic.totals(user.name());
    long[] ledgered = days.todayAndAll(user.name());
    Limits l = user.limits();
    return Json.createObjectBuilder()
        .add("name", user.name())
        .add("key_fingerprint", keyFingerprint)
        .add("source", source)
        .add("read_only", !"admin".equals(source))
        .add("models", Json.createArrayBuilder(user.models().globs()))
        .add("limits", limits(l))
        .add("requests_since_start", totals.requests())
        .add("tokens_since_start", totals.tokens())
        .add("tokens_today", ledgered[0])
        .add("tokens_7_days", ledgered[1])
        .add("last_used", totals.lastUsed() == null ? "" : totals.lastUsed().toString());
  }

  static JsonObjectBuilder limits(Limits l) {
    return Json.createObjectBuilder()
        .add("requests_per_minute", l.requestsPerMinute())
        .add("tokens_per_minute", l.tokensPerMinute())
        .add("tokens_per_day", l.tokensPerDay())
        .add("max_concurrent", l.maxConcurrent());
  }

  /** Requests per minute, tokens per minute by user and by model, and the recent errors. */
  JsonObjectBuilder traffic() {
    List<RecentTraffic.Seen> hour = traffic.lastHour();
    Instant now = Instant.now();
    Instant minuteAgo = now.minusSeconds(60);
    long lastMinute = hour.stream().filter(s -> s.time().isAfter(minuteAgo)).count();
    Map<String, long[]> byUser = new TreeMap<>();
    Map<String, long[]> byModel = new TreeMap<>();
    long[] requests = new long[60];
    for (RecentTraffic.Seen s : hour) {
      int slot = 59 - (int) Math.min(59, ChronoUnit.MINUTES.between(s.time(), now));
      requests[slot]++;
      byUser.computeIfAbsent(s.user(), k -> new long[60])[slot] += s.tokens();
      byModel.computeIfAbsent(s.model(), k -> new long[60])[slot] += s.tokens();
    }
    JsonArrayBuilder errors = Json.createArrayBuilder();
    for (RecentTraffic.Seen e : traffic.errors(20)) {
      errors.add(
          Json.createObjectBuilder()
              .add("time", e.time().toString())
              .add("user", e.user())
              .add("model", e.model())
              .add("endpoint", e.endpoint())
              .add("status", e.status()));
    }
    return Json.createObjectBuilder()
        .add("requests_last_minute", lastMinute)
        .add("requests_per_minute", series(requests))
        .add("tokens_per_minute_by_user", series(byUser))
        .add("tokens_per_minute_by_model", series(byModel))
        .add("recent_errors", errors);
  }

  private static JsonObjectBuilder series(Map<String, long[]> byName) {
    JsonObjectBuilder all = Json.createObjectBuilder();
    byName.forEach((name, values) -> all.add(name, series(values)));
    return all;
  }

  private static JsonArrayBuilder series(long[] values) {
    JsonArrayBuilder out = Json.createArrayBuilder();
    for (long v : values) {
      out.add(v);
    }
    return out;
  }

  JsonArrayBuilder audit() {
    JsonArrayBuilder all = Json.createArrayBuilder();
    for (AuditLog.Entry e : audit.entries()) {
      all.add(
          Json.createObjectBuilder()
              .add("time", e.time().toString())
              .add("admin_key_fingerprint", e.admin())
              .add("action", e.action())
              .add("target", e.target())
              .add("detail", e.detail()));
    }
    return all;
  }
}
