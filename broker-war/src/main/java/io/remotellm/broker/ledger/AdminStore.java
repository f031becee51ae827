package io.remotellm.broker.ledger;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the admin API changes, in the ledger's database and on its persistence unit: user keys an
 * admin issued, connector tokens an admin revoked, and the audit log. Each action is written with
 * its audit row in one transaction, so no change is kept without its audit, nor the other way.
 * Every method throws when the database cannot be reached; nothing is written then.
 */
public final class AdminStore {

  /**
   * A user key as stored: {@code keySha256} is the key's whole SHA-256 in hex, {@code models} the
   * allow-list as a JSON array (null: any model).
   */
  public record StoredKey(
      String userName,
      String keySha256,
      String keyFingerprint,
      long requestsPerMinute,
      long tokensPerMinute,
      long tokensPerDay,
      long maxConcurrent,
      String models,
      Instant created) {}

  /** One audit row; {@code admin} is the admin key's fingerprint, never the key. */
  public record StoredAudit(
      Instant time, String admin, String action, String target, String detail) {}

  /** A connector token to refuse: its id (a hash of the whole token) and fingerprint. */
  public record StoredToken(String tokenId, String fingerprint) {}

  private final EntityManagerFactory factory;

  AdminStore(EntityManagerFactory factory) {
    this.factory = factory;
  }

  /** Stores a newly issued key. */
  public void issue(StoredKey key, StoredAudit audit) {
    inTransaction(
        em -> {
          IssuedKeyRow row = new IssuedKeyRow();
          row.keySha256 = key.keySha256();
          row.userName = key.userName();
          row.keyFingerprint = key.keyFingerprint();
          row.createdAt = utc(key.created());
          limits(row, key);
          em.persist(row);
          em.persist(auditRow(audit));
        });
  }

  /** New limits and allow-list for an issued key; throws when no live key has that hash. */
  public void change(StoredKey key, StoredAudit audit) {
    inTransaction(
        em -> {
          IssuedKeyRow row = em.find(IssuedKeyRow.class, key.keySha256());
          if (row == null || row.revokedAt != null) {
            throw new IllegalStateException("no live issued key " + key.keyFingerprint());
          }
          limits(row, key);
          em.persist(auditRow(audit));
        });
  }

  /** Marks an issued key revoked (its row stays, for the record). */
  public void revokeKey(String keySha256, StoredAudit audit) {
    inTransaction(
        em -> {
          IssuedKeyRow row = em.find(IssuedKeyRow.class, keySha256);
          if (row != null && row.revokedAt == null) {
            row.revokedAt = utc(audit.time());
          }
          em.persist(auditRow(audit));
        });
  }

  /** Refuses these connector tokens from now on, restarts included. */
  public void revokeTokens(List<StoredToken> tokens, StoredAudit audit) {
    inTransaction(
        em -> {
          for (StoredToken token : tokens) {
            if (em.find(RevokedTokenRow.class, token.tokenId()) == null) {
              em.persist(
                  new RevokedTokenRow(token.tokenId(), token.fingerprint(), utc(audit.time())));
            }
          }
          em.persist(auditRow(audit));
        });
  }

  /** The issued keys not revoked, oldest first. */
  public List<StoredKey> liveKeys() {
    EntityManager em = factory.createEntityManager();
    try {
      return em
          .createQuery(
              "SELECT k FROM IssuedKeyRow k WHERE k.revokedAt IS NULL"
                  + " ORDER BY k.createdAt, k.userName",
              IssuedKeyRow.class)
          .getResultList()
          .stream()
          .map(
              r ->
                  new StoredKey(
                      r.userName,
                      r.keySha256,
                      r.keyFingerprint,
                      r.requestsPerMinute,
                      r.tokensPerMinute,
                      r.tokensPerDay,
                      r.maxConcurrent,
                      r.models,
                      r.createdAt.toInstant()))
          .toList();
    } finally {
      em.close();
    }
  }

  /** Every connector token an admin revoked. */
  public List<StoredToken> revokedTokens() {
    EntityManager em = factory.createEntityManager();
    try {
      return em
          .createQuery(
              "SELECT t FROM RevokedTokenRow t ORDER BY t.revokedAt", RevokedTokenRow.class)
          .getResultList()
          .stream()
          .map(t -> new StoredToken(t.tokenId, t.tokenFingerprint))
          .toList();
    } finally {
      em.close();
    }
  }

  /** The latest {@code max} audit rows, newest first. */
  public List<StoredAudit> latestAudit(int max) {
    EntityManager em = factory.createEntityManager();
    try {
      return em
          .createQuery(
              "SELECT a FROM AuditRow a ORDER BY a.recordedAt DESC, a.id DESC", AuditRow.class)
          .setMaxResults(max)
          .getResultList()
          .stream()
          .map(
              a ->
                  new StoredAudit(
                      a.recordedAt.toInstant(), a.adminFingerprint, a.action, a.target, a.detail))
          .toList();
    } finally {
      em.close();
    }
  }

  private static void limits(IssuedKeyRow row, StoredKey key) {
    row.requestsPerMinute = key.requestsPerMinute();
    row.tokensPerMinute = key.tokensPerMinute();
    row.tokensPerDay = key.tokensPerDay();
    row.maxConcurrent = key.maxConcurrent();
    row.models = key.models();
  }

  private static AuditRow auditRow(StoredAudit audit) {
    AuditRow row = new AuditRow();
    row.recordedAt = utc(audit.time());
    row.adminFingerprint = audit.admin();
    row.action = audit.action();
    row.target = audit.target();
    row.detail = audit.detail();
    return row;
  }

  private static OffsetDateTime utc(Instant time) {
    return time.atOffset(ZoneOffset.UTC);
  }

  private void inTransaction(Consumer<EntityManager> work) {
    EntityManager em = factory.createEntityManager();
    EntityTransaction tx = em.getTransaction();
    try {
      tx.begin();
      work.accept(em);
      tx.commit();
    } finally {
      if (tx.isActive()) {
        tx.rollback();
      }
      em.close();
    }
  }
}
