package io.remotellm.broker.cluster.shared;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.remotellm.broker.limits.Admission;
import io.remotellm.broker.limits.LimitState;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.limits.LocalLimitState;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Limit counters every broker of a cluster shares, one entry per user in a data grid map. Each
 * operation is one {@link CounterUpdate} run on the entry's owner, so 100 requests a minute let
 * exactly 100 through across all brokers however they race.
 *
 * <p>Concurrency slots are counted per broker inside the entry. When a broker leaves the cluster
 * (shut down, killed, or declared dead by the grid's heartbeat), every remaining broker is told and
 * frees that broker's slots (idempotent, so all of them may do it): its requests died with it.
 *
 * <p>If the grid does not answer an admission within {@link #ADMIT_TIMEOUT_MILLIS} (a member frozen
 * but not yet declared dead owns the entry: the grid moves its entries once its heartbeat timeout
 * declares it dead, which the launcher sets to 10 s), the request is decided by this broker's own
 * counters instead, so requests keep flowing with per-broker limits until the grid answers again;
 * the slot is not held then. The wait is that long because a short one breaks exactness: on a
 * loaded machine (load average 35 on 2 cores) admissions of one user queued for more than 2 s and a
 * 2 s limit let 101 to 139 of 100 through. Releases and charges are sent without waiting.
 *
 * <p>A user with no limit at all costs no grid call: its requests in flight are counted here, in
 * memory, and its tokens are not charged to the grid (each grid call costs both brokers CPU and a
 * round trip, which doubled a locally served request's latency and CPU). When such a user gets a
 * limit, this broker's next admission of that user hands the requests it counted in memory to the
 * grid entry, so a concurrency limit sees them; until then (and for another broker's requests of
 * that user still counted in its memory) they are not counted, and neither are the tokens used
 * before the limit existed.
 */
public final class GridLimitState implements LimitState {

  private static final Logger LOG = Logger.getLogger(GridLimitState.class.getName());

  static final String MAP = "remotellm-limits";
  static final long ADMIT_TIMEOUT_MILLIS = 12_000;

  private final IMap<String, long[]> counters;
  private final UUID self;
  private final HazelcastInstance grid;
  private final UUID listener;
  private final LocalLimitState fallback = new LocalLimitState();
  private final AtomicLong fallbacks = new AtomicLong();
  private final Executor sender;

  /** Requests in flight per user, admitted while the user had no limit: not on the grid. */
  private final ConcurrentMap<String, AtomicLong> unshared = new ConcurrentHashMap<>();

  /** Users whose last admission here had no limit: their tokens are not charged to the grid. */
  private final Set<String> unlimited = ConcurrentHashMap.newKeySet();

  /** For tests on plain Hazelcast members, which need no application context. */
  public GridLimitState(HazelcastInstance grid) {
    this(grid, ForkJoinPool.commonPool());
  }

  /**
   * @param sender runs the calls made off a request thread (releases, charges, freeing a departed
   *     broker's slots); on Payara it must carry the application's context, else the entry's owner
   *     cannot read {@link CounterUpdate}
   */
  public GridLimitState(HazelcastInstance grid, Executor sender) {
    this.grid = grid;
    this.sender = sender;
    this.counters = grid.getMap(MAP);
    this.self = grid.getCluster().getLocalMember().getUuid();
    this.listener =
        grid.getCluster()
            .addMembershipListener(
                new MembershipListener() {
                  @Override
                  public void memberAdded(MembershipEvent event) {
                    // nothing held by a newcomer yet
                  }

                  @Override
                  public void memberRemoved(MembershipEvent event) {
                    // Not on Hazelcast's event thread: a blocking grid call there stalls events.
                    UUID left = event.getMember().getUuid();
                    CompletableFuture.runAsync(() -> dropSlotsOf(left), sender);
                  }
                });
  }

  @Override
  public Admission admit(String user, Limits limits, long now) {
    if (limits.none()) {
      unlimited.add(user);
      unshared.computeIfAbsent(user, u -> new AtomicLong()).incrementAndGet();
      return Admission.UNLIMITED;
    }
    unlimited.remove(user);
    // The requests counted in memory go to the grid with this admission, so a limit added while
    // they run sees them. Not given back if the grid fails: their releases then go to the grid,
    // whose counts never fall below 0.
    AtomicLong local = unshared.get(user);
    long adopted = local == null ? 0 : local.getAndSet(0);
    try {
      long[] answer =
          counters
              .submitToKey(user, CounterUpdate.admit(self, limits, now, adopted))
              .toCompletableFuture()
              .get(ADMIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      return CounterUpdate.decode(answer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fallback(user, limits, now, e);
    } catch (Exception e) {
      return fallback(user, limits, now, e);
    }
  }

  @Override
  public void release(String user) {
    AtomicLong local = unshared.get(user);
    if (local != null && local.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      return; // admitted without a grid slot
    }
    send(user, CounterUpdate.release(self));
  }

  @Override
  public void charge(String user, long tokens, long now) {
    if (tokens > 0 && !unlimited.contains(user)) {
      send(user, CounterUpdate.charge(self, tokens, now));
    }
  }

  /** How many admissions this broker decided alone because the grid did not answer. */
  public long fallbacks() {
    return fallbacks.get();
  }

  /** Stops watching the cluster (the broker is going away). */
  public void close() {
    try {
      grid.getCluster().removeMembershipListener(listener);
    } catch (RuntimeException e) {
      // The grid is shutting down too; nothing left to stop.
      LOG.log(Level.FINE, "membership listener not removed: {0}", e.toString());
    }
  }

  /**
   * Frees a departed broker's slots with one call per user entry, sent like a release (on {@link
   * #sender}, so from the application's context). Not one partition-wide call ({@code
   * executeOnEntries}): on Payara, the members that did not send it run it without the
   * application's context and cannot read {@link CounterUpdate} there (a ClassNotFoundException
   * logged by every broker's call), so each partition was freed only by its own member's call.
   * Every remaining broker does this; freeing twice changes nothing.
   */
  void dropSlotsOf(UUID member) {
    int users = 0;
    try {
      CounterUpdate drop = CounterUpdate.dropMember(member);
      for (String user : counters.keySet()) {
        submit(user, drop);
        users++;
      }
      LOG.log(
          Level.INFO,
          "Freeing the concurrency slots of broker {0}, which left ({1} users)",
          new Object[] {member, users});
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Slots of broker {0} not freed: {1}", new Object[] {member, e});
    }
  }

  private void send(String user, CounterUpdate update) {
    try {
      sender.execute(() -> submit(user, update));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Limit counter not updated: {0}", e.toString());
    }
  }

  private void submit(String user, CounterUpdate update) {
    try {
      counters
          .submitToKey(user, update)
          .whenComplete(
              (ignored, failure) -> {
                if (failure != null) {
                  LOG.log(Level.WARNING, "Limit counter not updated: {0}", failure.toString());
                }
              });
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Limit counter not updated: {0}", e.toString());
    }
  }

  private Admission fallback(String user, Limits limits, long now, Exception cause) {
    if (fallbacks.getAndIncrement() % 100 == 0) {
      LOG.log(
          Level.WARNING,
          "The data grid did not answer an admission ({0}); limits are counted on this broker only"
              + " until it does",
          cause.toString());
    }
    Admission a = fallback.admit(user, limits, now);
    if (a.admitted()) {
      fallback.release(user); // the slot would never be released here: the grid's release goes on
    }
    return a;
  }
}
