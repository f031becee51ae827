package io.remotellm.broker.ledger.probe;

import io.remotellm.broker.ledger.AdminStore;
import io.remotellm.broker.ledger.DailyUsage;
import io.remotellm.broker.ledger.LedgerEntry;
import io.remotellm.broker.ledger.LedgerStore;
import io.remotellm.broker.ledger.UsageLedger;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * Test deployments only: what the ledger holds, read through the broker's own store, so an IT can
 * check rows in the embedded database that no other process may open while the broker has it.
 */
@Path("~ledger-probe")
@Produces(MediaType.APPLICATION_JSON)
public class LedgerProbeResource {

  @Inject UsageLedger ledger;

  @GET
  @Path("state")
  public String state() {
    return Json.createObjectBuilder()
        .add("open", ledger.store() != null)
        .add("queued", ledger.queued())
        .add("dropped", ledger.dropped())
        .add("h2", UsageLedger.h2Version())
        .build()
        .toString();
  }

  @GET
  @Path("rows")
  public String rows(@QueryParam("since") String since) {
    LedgerStore store = ledger.store();
    JsonArrayBuilder rows = Json.createArrayBuilder();
    if (store != null) {
      for (LedgerEntry e : store.entriesSince(OffsetDateTime.parse(since))) {
        JsonObjectBuilder row =
            Json.createObjectBuilder()
                .add("request_id", e.requestId())
                .add("model", e.model())
                .add("api", e.api())
                .add("status", e.status())
                .add("input_tokens", e.inputTokens())
                .add("output_tokens", e.outputTokens())
                .add("duration_ms", e.durationMillis())
                .add("cancelled", e.cancelled())
                .add("estimated", e.estimated());
        if (e.userName() != null) {
          row.add("user", e.userName());
        }
        if (e.connectorId() != null) {
          row.add("connector", e.connectorId());
        }
        if (e.firstTokenMillis() != null) {
          row.add("first_token_ms", e.firstTokenMillis());
        }
        rows.add(row);
      }
    }
    return rows.build().toString();
  }

  /** The admin tables, read from the database (not the broker's copy in memory). */
  @GET
  @Path("admin")
  public String admin() {
    LedgerStore store = ledger.store();
    JsonArrayBuilder keys = Json.createArrayBuilder();
    JsonArrayBuilder tokens = Json.createArrayBuilder();
    JsonArrayBuilder audit = Json.createArrayBuilder();
    if (store != null) {
      AdminStore admin = store.admin();
      for (AdminStore.StoredKey k : admin.liveKeys()) {
        keys.add(
            Json.createObjectBuilder()
                .add("user", k.userName())
                .add("key_fingerprint", k.keyFingerprint())
                .add("requests_per_minute", k.requestsPerMinute())
                .add("models", k.models() == null ? "" : k.models()));
      }
      admin.revokedTokens().forEach(t -> tokens.add(t.fingerprint()));
      for (AdminStore.StoredAudit a : admin.latestAudit(100)) {
        audit.add(
            Json.createObjectBuilder()
                .add("admin", a.admin())
                .add("action", a.action())
                .add("target", a.target()));
      }
    }
    return Json.createObjectBuilder()
        .add("keys", keys)
        .add("revoked_tokens", tokens)
        .add("audit", audit)
        .build()
        .toString();
  }

  @GET
  @Path("daily")
  public String daily(@QueryParam("day") String day) {
    LedgerStore store = ledger.store();
    JsonArrayBuilder days = Json.createArrayBuilder();
    if (store != null) {
      for (DailyUsage d : store.daily(LocalDate.parse(day))) {
        days.add(
            Json.createObjectBuilder()
                .add("user", d.key().userName())
                .add("model", d.key().model())
                .add("requests", d.requests())
                .add("failed_requests", d.failedRequests())
                .add("estimated_requests", d.estimatedRequests())
                .add("input_tokens", d.inputTokens())
                .add("output_tokens", d.outputTokens()));
      }
    }
    return days.build().toString();
  }
}
