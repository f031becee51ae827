package io.remotellm.broker.admin;

import io.remotellm.broker.auth.ConnectorCredential;
import io.remotellm.broker.auth.Credentials;
import io.remotellm.broker.ledger.AdminStore;
import io.remotellm.broker.ledger.AdminStore.StoredAudit;
import io.remotellm.broker.ledger.AdminStore.StoredKey;
import io.remotellm.broker.ledger.AdminStore.StoredToken;
import io.remotellm.broker.ledger.LedgerOpened;
import io.remotellm.broker.ledger.LedgerStore;
import io.remotellm.broker.ledger.UsageLedger;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.users.IssuedKeys;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.broker.users.User;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin actions, written through to the ledger's database before they take effect (with their
 * audit row, in one transaction), and the stored state put in force whenever the database opens.
 * With the database away an action fails with {@link Unavailable} (a 503) rather than holding a
 * change only in memory; with the ledger off ({@code ledger-enabled=false}) they are kept in memory
 * only, as the operator chose.
 */
@ApplicationScoped
public class AdminState {

  private static final Logger LOG = Logger.getLogger(AdminState.class.getName());

  @Inject UsageLedger ledger;
  @Inject IssuedKeys issued;
  @Inject Credentials credentials;
  @Inject AuditLog audit;

  /** Where each action is told once it took effect: the other brokers of a cluster, or nowhere. */
  private volatile Consumer<AdminChange> announce = change -> {};

  /** The database that must hold an action is not reachable now. */
  public static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Puts what the database holds in force; runs before the opened store is used. */
  synchronized void onLedgerOpened(@Observes LedgerOpened event) {
    AdminStore store = event.store().admin();
    List<IssuedKeys.Issued> keys = store.liveKeys().stream().map(AdminState::issued).toList();
    List<StoredToken> tokens = store.revokedTokens();
    List<AuditLog.Entry> entries =
        store.latestAudit(AuditLog.KEPT).stream()
            .map(a -> new AuditLog.Entry(a.time(), a.admin(), a.action(), a.target(), a.detail()))
            .toList();
    issued.restore(keys);
    credentials.restoreRevoked(tokens.stream().map(StoredToken::tokenId).toList());
    audit.restore(entries);
    LOG.log(
        Level.INFO,
        "Admin state loaded: {0} issued key(s), {1} revoked connector token(s)",
        new Object[] {keys.size(), tokens.size()});
  }

  /** Creates a user with a fresh key; empty when the name is taken. */
  public synchronized Optional<IssuedKeys.Created> createUser(
      String admin, String name, Limits limits, ModelAllowList models) {
    if (issued.get(name).isPresent()) {
      return Optional.empty();
    }
    IssuedKeys.Created created = issued.mint(name, limits, models);
    AuditLog.Entry entry =
        entry(
            admin,
            "user.create",
            name,
            "key " + created.issued().keyFingerprint() + ", " + limits + ", models " + models);
    write(s -> s.issue(stored(created.issued()), stored(entry)));
    issued.put(created.issued());
    audit.record(entry);
    announce.accept(new AdminChange.UserPut(created.issued(), entry));
    return Optional.of(created);
  }

  /** New limits and allow-list for an issued user; empty when there is none of that name. */
  public synchronized Optional<IssuedKeys.Issued> changeUser(
      String admin, String name, Limits limits, ModelAllowList models) {
    Optional<IssuedKeys.Issued> was = issued.get(name);
    if (was.isEmpty()) {
      return Optional.empty();
    }
    IssuedKeys.Issued now =
        new IssuedKeys.Issued(
            new User(name, limits, models),
            was.get().keyDigest(),
            was.get().keyFingerprint(),
            was.get().created());
    AuditLog.Entry entry = entry(admin, "user.change", name, limits + ", models " + models);
    write(s -> s.change(stored(now), stored(entry)));
    issued.put(now);
    audit.record(entry);
    announce.accept(new AdminChange.UserPut(now, entry));
    return Optional.of(now);
  }

  /** Revokes an issued user's key; false when there is no such user. */
  public synchronized boolean revokeUser(String admin, String name) {
    Optional<IssuedKeys.Issued> was = issued.get(name);
    if (was.isEmpty()) {
      return false;
    }
    AuditLog.Entry entry = entry(admin, "user.revoke", name, "");
    write(s -> s.revokeKey(hex(was.get().keyDigest()), stored(entry)));
    issued.revoke(name);
    audit.record(entry);
    announce.accept(new AdminChange.UserRevoked(name, entry));
    return true;
  }

  /** Revokes the connector tokens of this fingerprint; returns those revoked (empty: none). */
  public synchronized List<String> revokeConnector(String admin, String fingerprint) {
    List<ConnectorCredential> found = credentials.unrevoked(fingerprint);
    if (found.isEmpty()) {
      return List.of();
    }
    AuditLog.Entry entry = entry(admin, "connector.revoke", fingerprint, "");
    List<StoredToken> tokens =
        found.stream().map(c -> new StoredToken(c.tokenId(), c.fingerprint())).toList();
    write(s -> s.revokeTokens(tokens, stored(entry)));
    List<String> revoked = credentials.revoke(fingerprint);
    audit.record(entry);
    announce.accept(
        new AdminChange.TokensRevoked(
            found.stream().map(ConnectorCredential::tokenId).toList(), entry));
    return revoked;
  }

  /**
   * Tells {@code to} of every action from now on, after it took effect here (the cluster's
   * broadcast). Called in order, under this object's lock.
   */
  public void announceChangesTo(Consumer<AdminChange> to) {
    announce = to;
  }

  /**
   * Puts in force an action another broker took. Not written: that broker wrote it to the database
   * the brokers share. A revoked connector token's links are the caller's to close.
   */
  public synchronized void apply(AdminChange change) {
    if (change instanceof AdminChange.UserPut put) {
      issued.put(put.issued());
    } else if (change instanceof AdminChange.UserRevoked revoked) {
      issued.revoke(revoked.name());
    } else if (change instanceof AdminChange.TokensRevoked tokens) {
      credentials.restoreRevoked(tokens.tokenIds());
    }
    audit.keep(change.audit());
    LOG.log(
        Level.INFO,
        "Admin change from another broker in force: {0} {1}",
        new Object[] {change.audit().action(), change.audit().target()});
  }

  private interface Write {
    void to(AdminStore store);
  }

  /** Writes to the database, or does nothing when the ledger is off; throws when it is away. */
  private void write(Write write) {
    if (!ledger.enabled()) {
      return;
    }
    LedgerStore store = ledger.store();
    if (store == null) {
      throw new Unavailable("The database is not reachable; the action was not taken", null);
    }
    try {
      write.to(store.admin());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Admin action not stored: {0}", e.toString());
      throw new Unavailable("The database refused the action; it was not taken", e);
    }
  }

  /** The audit's detail is for people: a long allow-list is cut to what its column holds. */
  private static final int DETAIL_MAX = 4000;

  private static AuditLog.Entry entry(String admin, String action, String target, String detail) {
    String kept =
        detail.length() <= DETAIL_MAX ? detail : detail.substring(0, DETAIL_MAX - 1) + "\u2026";
    return new AuditLog.Entry(Instant.now(), admin, action, target, kept);
  }

  private static StoredAudit stored(AuditLog.Entry e) {
    return new StoredAudit(e.time(), e.admin(), e.action(), e.target(), e.detail());
  }

  private static StoredKey stored(IssuedKeys.Issued i) {
    Limits l = i.user().limits();
    ModelAllowList models = i.user().models();
    String globs =
        models.restricted() ? Json.createArrayBuilder(models.globs()).build().toString() : null;
    return new StoredKey(
        i.user().name(),
        hex(i.keyDigest()),
        i.keyFingerprint(),
        l.requestsPerMinute(),
        l.tokensPerMinute(),
        l.tokensPerDay(),
        l.maxConcurrent(),
        globs,
        i.created());
  }

  private static IssuedKeys.Issued issued(StoredKey k) {
    ModelAllowList models = ModelAllowList.ANY;
    if (k.models() != null) {
      try (var reader = Json.createReader(new StringReader(k.models()))) {
        models =
            ModelAllowList.of(
                reader.readArray().getValuesAs(JsonString.class).stream()
                    .map(JsonString::getString)
                    .toList());
      }
    }
    Limits limits =
        new Limits(k.requestsPerMinute(), k.tokensPerMinute(), k.tokensPerDay(), k.maxConcurrent());
    return new IssuedKeys.Issued(
        new User(k.userName(), limits, models),
        HexFormat.of().parseHex(k.keySha256()),
        k.keyFingerprint(),
        k.created());
  }

  private static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
