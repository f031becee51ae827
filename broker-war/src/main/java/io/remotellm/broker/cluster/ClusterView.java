package io.remotellm.broker.cluster;

import io.remotellm.broker.relay.ConnectorLink;
import io.remotellm.broker.relay.ConnectorLinkRouter;
import io.remotellm.protocol.LlmApi;
import io.remotellm.settings.BrokerProperties;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * This broker's picture of the cluster's routes: every half second it publishes its own connectors
 * (models, API families, requests in flight) to the grid and reads the others', and at once when a
 * member joins or leaves. Requests are routed from the picture in memory, never by a grid call.
 * With one broker it does nothing and sees nobody.
 */
@ApplicationScoped
public class ClusterView {
  private static final Logger LOG = Logger.getLogger(ClusterView.class.getName());
  static final long PERIOD_MILLIS = 500;

  /** Republish an unchanged entry this often anyway, in case the grid lost it (a split). */
  private static final int REPUBLISH_EVERY = 10;

  @Inject ClusterGrid grid;
  @Inject ConnectorLinkRouter router;

  @Inject
  @ConfigProperty(name = BrokerProperties.PUBLIC_URL)
  Optional<String> publicUrl;

  @Resource ManagedScheduledExecutorService scheduler;

  private final DepartedBrokers departed = new DepartedBrokers(Clock.systemUTC());
  private volatile ClusterDirectory directory;
  private volatile List<MemberRoutes> members = List.of();
  private volatile Set<String> remoteModels = Set.of();
  private ScheduledFuture<?> ticker;
  private String lastPublished = "";
  private int unchanged;

  /**
   * A connector of another broker that serves a model; {@code connectorId} null when that broker
   * picks it (a call naming a stored response).
   */
  record Target(String memberId, String url, String connectorId) {}

  void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
    if (!grid.clustered()) {
      return;
    }
    directory =
        new GridDirectory(
            grid.instance(),
            grid.memberId(),
            left -> scheduler.execute(() -> membersChanged(left)));
    ticker = scheduler.scheduleWithFixedDelay(this::tick, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  public boolean clustered() {
    return directory != null;
  }

  /** The models other brokers' connectors serve. */
  public Set<String> remoteModels() {
    return remoteModels;
  }

  /** Every member's routes as last read, this broker's included. */
  List<MemberRoutes> members() {
    return members;
  }

  /** The least loaded connector of another broker that serves {@code model} through {@code api}. */
  Optional<Target> pick(String model, LlmApi api) {
    Target best = null;
    int load = Integer.MAX_VALUE;
    for (MemberRoutes member : members) {
      if (member.memberId().equals(grid.memberId())) {
        continue;
      }
      for (MemberRoutes.Connector c : member.connectors()) {
        if (c.serves(model, api.wireName()) && c.inFlight() < load) {
          best = new Target(member.memberId(), member.publicUrl(), c.id());
          load = c.inFlight();
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** Another live broker, by its member id, to send a request to whichever connector it picks. */
  Optional<Target> member(String memberId) {
    if (memberId.equals(grid.memberId())) {
      return Optional.empty();
    }
    return members.stream()
        .filter(m -> m.memberId().equals(memberId))
        .findFirst()
        .map(m -> new Target(m.memberId(), m.publicUrl(), null));
  }

  /**
   * The cluster for health: each member's URL and its connectors with their models, e.g. {@code
   * http://10.0.0.5:8443 [c1: llama3, qwen] ; http://10.0.0.6:8443 []}; empty for one broker.
   */
  public String describe() {
    StringBuilder text = new StringBuilder();
    for (MemberRoutes member : members) {
      if (!text.isEmpty()) {
        text.append(" ; ");
      }
      text.append(member.publicUrl().isEmpty() ? member.memberId() : member.publicUrl());
      if (member.memberId().equals(grid.memberId())) {
        text.append(" (this broker)");
      }
      text.append(" [");
      String sep = "";
      for (MemberRoutes.Connector c : member.connectors()) {
        text.append(sep).append(c.id()).append(": ").append(String.join(", ", c.models()));
        sep = "; ";
      }
      text.append(']');
    }
    return text.toString();
  }

  /**
   * The cluster for operators: each live broker with the connectors attached to it (this one
   * included), then the last brokers seen leaving; empty for one broker.
   */
  public List<ClusterMember> brokers() {
    List<ClusterMember> out = new ArrayList<>();
    Set<String> liveUrls = new HashSet<>();
    for (MemberRoutes member : members) {
      out.add(ClusterMember.of(member, member.memberId().equals(grid.memberId())));
      liveUrls.add(member.publicUrl());
    }
    out.addAll(departed.list(liveUrls));
    return out;
  }

  /** How many brokers the cluster has now (1 for one broker). */
  public int size() {
    return clustered() ? Math.max(1, members.size()) : 1;
  }

  /** Re-reads at once when a member joined or left, so a dead broker leaves routing now. */
  private void membersChanged(String left) {
    if (left != null) {
      departed.left(
          left, members.stream().filter(m -> m.memberId().equals(left)).findFirst().orElse(null));
    }
    try {
      read();
      if (left != null) {
        directory.forget(left);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cluster: re-reading routes after a membership change failed", e);
    }
  }

  private void tick() {
    try {
      publish();
      read();
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again: log and keep going.
      LOG.log(Level.WARNING, "cluster: updating routes failed", e);
    }
  }

  private synchronized void publish() {
    List<MemberRoutes.Connector> mine = new ArrayList<>();
    for (ConnectorLink link : router.routes()) {
      if (link.isOpen()) {
        Set<String> apis = new TreeSet<>(LlmApi.wireNames(link.apis()));
        mine.add(
            new MemberRoutes.Connector(
                link.id(), new TreeSet<>(link.models()), apis, router.inFlight(link)));
      }
    }
    mine.sort(Comparator.comparing(MemberRoutes.Connector::id));
    MemberRoutes routes = new MemberRoutes(grid.memberId(), publicUrl.orElse(""), mine);
    String json = routes.toJson();
    if (!json.equals(lastPublished) || ++unchanged >= REPUBLISH_EVERY) {
      directory.publish(routes);
      lastPublished = json;
      unchanged = 0;
    }
  }

  private void read() {
    ClusterDirectory d = directory;
    if (d == null) {
      return;
    }
    List<MemberRoutes> all = d.members();
    Set<String> models = new TreeSet<>();
    for (MemberRoutes member : all) {
      if (!member.memberId().equals(grid.memberId())) {
        member.connectors().forEach(c -> models.addAll(c.models()));
      }
    }
    members = List.copyOf(all);
    remoteModels = models;
  }

  @PreDestroy
  void stop() {
    if (ticker != null) {
      ticker.cancel(false);
    }
    if (directory != null) {
      directory.withdraw();
    }
  }
}
