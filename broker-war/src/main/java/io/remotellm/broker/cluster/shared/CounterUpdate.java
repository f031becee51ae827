package io.remotellm.broker.cluster.shared;

import com.hazelcast.map.EntryProcessor;
import io.remotellm.broker.limits.Admission;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.limits.UserCounters;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

/**
 * One change to a user's shared limit counters, run by the grid on the member that owns the entry,
 * under the entry's lock: reading, deciding and writing are one step no other broker can slip
 * between. The entry is a plain {@code long[]} (the windows of {@link UserCounters}, then one
 * {@code (member msb, member lsb, slots)} triple per broker holding slots), so no member needs this
 * application's classes to keep, back up or migrate it; only this small processor travels.
 */
final class CounterUpdate implements EntryProcessor<String, long[], long[]> {

  private static final long serialVersionUID = 1L;

  /** Names of the limits, by the index an admission's answer carries. */
  static final String[] REFUSALS = {
    "max_concurrent", "requests_per_minute", "tokens_per_minute", "tokens_per_day"
  };

  private enum Kind {
    ADMIT,
    RELEASE,
    CHARGE,
    DROP_MEMBER
  }

  private final Kind kind;
  private final long memberMsb;
  private final long memberLsb;
  private final long now;
  private final long amount; // tokens charged, or slots adopted by an admission
  private final long[] limits; // requests/min, tokens/min, tokens/day, max concurrent

  private CounterUpdate(Kind kind, UUID member, long now, long amount, long[] limits) {
    this.kind = kind;
    this.memberMsb = member.getMostSignificantBits();
    this.memberLsb = member.getLeastSignificantBits();
    this.now = now;
    this.amount = amount;
    this.limits = limits;
  }

  static CounterUpdate admit(UUID member, Limits l, long now) {
    return admit(member, l, now, 0);
  }

  /**
   * An admission that first adds {@code adopted} slots to this member's: requests it admitted while
   * the user had no limit, counted until now in its memory only.
   */
  static CounterUpdate admit(UUID member, Limits l, long now, long adopted) {
    long[] limits = {
      l.requestsPerMinute(), l.tokensPerMinute(), l.tokensPerDay(), l.maxConcurrent()
    };
    return new CounterUpdate(Kind.ADMIT, member, now, adopted, limits);
  }

  static CounterUpdate release(UUID member) {
    return new CounterUpdate(Kind.RELEASE, member, 0, 0, null);
  }

  static CounterUpdate charge(UUID member, long tokens, long now) {
    return new CounterUpdate(Kind.CHARGE, member, now, tokens, null);
  }

  /** Frees every slot a broker that left the cluster held. */
  static CounterUpdate dropMember(UUID member) {
    return new CounterUpdate(Kind.DROP_MEMBER, member, 0, 0, null);
  }

  @Override
  public long[] process(Map.Entry<String, long[]> entry) {
    long[] was = entry.getValue();
    if (was == null && kind != Kind.ADMIT && kind != Kind.CHARGE) {
      return null; // nothing to release or drop: don't create an entry for it
    }
    UserCounters counters = UserCounters.fromLongs(was);
    long[] slots = slots(was);
    int mine = find(slots);
    long[] answer = null;
    switch (kind) {
      case ADMIT -> {
        if (amount > 0) {
          slots = add(slots, mine, amount);
          mine = find(slots);
        }
        counters.inFlight(total(slots));
        Limits l = new Limits(limits[0], limits[1], limits[2], limits[3]);
        Admission a = counters.admit(l, now);
        if (a.admitted()) {
          slots = add(slots, mine, 1);
        }
        answer = encode(a);
      }
      case RELEASE, DROP_MEMBER -> {
        if (mine < 0) {
          return null;
        }
        slots = add(slots, mine, kind == Kind.RELEASE ? -1 : -slots[mine + 2]);
      }
      case CHARGE -> counters.charge(amount, now);
    }
    long[] next = new long[UserCounters.LONGS + slots.length];
    counters.toLongs(next);
    System.arraycopy(slots, 0, next, UserCounters.LONGS, slots.length);
    entry.setValue(next);
    return answer;
  }

  private static long[] slots(long[] entry) {
    return entry == null || entry.length <= UserCounters.LONGS
        ? new long[0]
        : Arrays.copyOfRange(entry, UserCounters.LONGS, entry.length);
  }

  private int find(long[] slots) {
    for (int i = 0; i + 2 < slots.length; i += 3) {
      if (slots[i] == memberMsb && slots[i + 1] == memberLsb) {
        return i;
      }
    }
    return -1;
  }

  private static long total(long[] slots) {
    long n = 0;
    for (int i = 2; i < slots.length; i += 3) {
      n += slots[i];
    }
    return n;
  }

  /** Adds {@code delta} to this member's slots (never below 0); a member at 0 is left out. */
  private long[] add(long[] slots, int at, long delta) {
    if (at < 0) {
      if (delta <= 0) {
        return slots;
      }
      long[] grown = Arrays.copyOf(slots, slots.length + 3);
      grown[slots.length] = memberMsb;
      grown[slots.length + 1] = memberLsb;
      grown[slots.length + 2] = delta;
      return grown;
    }
    long n = Math.max(0, slots[at + 2] + delta);
    if (n > 0) {
      slots[at + 2] = n;
      return slots;
    }
    long[] shrunk = new long[slots.length - 3];
    System.arraycopy(slots, 0, shrunk, 0, at);
    System.arraycopy(slots, at + 3, shrunk, at, slots.length - at - 3);
    return shrunk;
  }

  private static long[] encode(Admission a) {
    return new long[] {
      Arrays.asList(REFUSALS).indexOf(a.refusedBy()),
      a.retryAfterMillis(),
      a.requestLimit(),
      a.requestsRemaining(),
      a.requestsResetMillis(),
      a.tokenLimit(),
      a.tokensRemaining(),
      a.tokensResetMillis()
    };
  }

  static Admission decode(long[] a) {
    String refused = a[0] < 0 ? null : REFUSALS[(int) a[0]];
    return new Admission(refused, a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  }
}
