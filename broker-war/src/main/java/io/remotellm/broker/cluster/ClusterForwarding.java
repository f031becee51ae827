package io.remotellm.broker.cluster;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.relay.RemoteBrokers;
import io.remotellm.broker.relay.ResponseSink;
import io.remotellm.broker.usage.UsageListeners;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObjectBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Sends a request this broker has no connector for to a broker of the cluster that has one (the
 * least loaded such connector), signed with the cluster secret, and streams the answer back as it
 * comes ({@link ForwardedCall}). Asynchronous throughout: no thread waits for the other broker.
 */
@ApplicationScoped
public class ClusterForwarding implements RemoteBrokers {

  /** How long reaching another broker may take; the answer itself has the relay's timeout. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger LOG = Logger.getLogger(ClusterForwarding.class.getName());

  @Inject ClusterView view;
  @Inject ForwardSignature signature;
  @Inject UsageListeners usageListeners;
  @Inject BrokerSettings settings;
  @Inject ClusterResponses responses;
  @Inject PeerLinks links;

  private final AtomicBoolean poolChecked = new AtomicBoolean();

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(CONNECT_TIMEOUT)
          .build();

  @Override
  public Set<String> models() {
    return view.remoteModels();
  }

  @Override
  public void responseCreated(String responseId, String user) {
    responses.remember(responseId, user);
  }

  @Override
  public boolean forward(RelayRequest request, ResponseSink sink, AccessLog access) {
    if (!view.clustered() || !signature.configured() || request.model() == null) {
      return false;
    }
    Optional<ClusterView.Target> target = view.pick(request.model(), request.api());
    if (target.isEmpty()) {
      return false;
    }
    send(request, sink, access, target.get());
    return true;
  }

  @Override
  public CompletionStage<Boolean> forwardStored(
      RelayRequest request, ResponseSink sink, AccessLog access) {
    if (!view.clustered() || !signature.configured() || request.responseId() == null) {
      return NOT_FORWARDED;
    }
    // Runs where the grid answers (one of its threads): sending is asynchronous too.
    return responses
        .home(request.responseId(), request.user())
        .thenApply(
            target -> {
              target.ifPresent(t -> send(request, sink, access, t));
              return target.isPresent();
            });
  }

  /** Sends {@code request} to the broker {@code target}, signed, and streams its answer back. */
  private void send(
      RelayRequest request, ResponseSink sink, AccessLog access, ClusterView.Target target) {
    if (poolChecked.compareAndSet(false, true)) {
      checkAsyncPool();
    }
    String json = body(request);
    // A stored response's GET or DELETE stays on HTTP; a new request goes over the peer link
    // when one is open (the first forward to a broker dials it and takes HTTP meanwhile).
    Optional<PeerLink> link =
        request.responseId() == null && json.length() <= PeerLinkEndpoint.maxRequestChars(settings)
            ? links.link(target.url())
            : Optional.empty();
    if (link.isPresent()) {
      ForwardedCall forwarded = new ForwardedCall(request, sink, access, target, usageListeners);
      link.get().forward(json, forwarded);
      sink.onClientGone(forwarded::clientGone);
      return;
    }
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    long now = System.currentTimeMillis();
    // Unique per forward, so two equal requests in one millisecond are not taken for a replay.
    String signedId =
        request.requestId()
            + "."
            + java.util.HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    HttpRequest call =
        HttpRequest.newBuilder(URI.create(target.url() + ClusterRelayServlet.PATH))
            // The serving broker's relay times out first (same setting) and says so in a line;
            // a request that is not streamed has its head sent only with its answer.
            .timeout(settings.upstreamTimeout().plus(CONNECT_TIMEOUT))
            .header("content-type", "application/json")
            .header(ForwardSignature.TIME, Long.toString(now))
            .header(ForwardSignature.REQUEST, signedId)
            .header(
                ForwardSignature.SIGNATURE,
                signature.sign("POST", ClusterRelayServlet.PATH, now, signedId, body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    ForwardedCall forwarded = new ForwardedCall(request, sink, access, target, usageListeners);
    sink.onClientGone(forwarded::clientGone);
    forwarded.started(
        http.sendAsync(
            call,
            info ->
                info.statusCode() == 200
                    ? HttpResponse.BodySubscribers.fromLineSubscriber(forwarded)
                    : forwarded.refusedWith(info.statusCode())));
  }

  /**
   * {@code sendAsync} completes each call through the JVM's default async executor, which with a
   * common-pool parallelism under 2 (the default on one or two CPUs) starts a thread per call: per
   * forwarded request. The launcher sets the parallelism (docs/cluster.md); say so if it is not.
   */
  private static void checkAsyncPool() {
    int parallelism = ForkJoinPool.getCommonPoolParallelism();
    if (parallelism < 2) {
      LOG.warning(
          "cluster: the common fork-join pool has a parallelism of "
              + parallelism
              + ", so every forwarded request starts a thread; start the JVM with"
              + " -Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
    }
  }

  private static String body(RelayRequest r) {
    JsonObjectBuilder headers = SharedJsonProvider.INSTANCE.createObjectBuilder();
    r.headers().forEach(headers::add);
    JsonObjectBuilder o =
        SharedJsonProvider.INSTANCE
            .createObjectBuilder()
            .add("request_id", r.requestId())
            .add("path", r.path())
            .add("stream", r.stream())
            .add("body", r.body())
            .add("method", r.method())
            .add("api", r.api().wireName())
            .add("headers", headers)
            .add("user", r.user());
    // A call naming a stored response has no model, and may carry a query (?include=...).
    addIfSet(o, "model", r.model());
    addIfSet(o, "response_id", r.responseId());
    addIfSet(o, "query", r.query());
    return o.build().toString();
  }

  private static void addIfSet(JsonObjectBuilder o, String name, String value) {
    if (value != null) {
      o.add(name, value);
    }
  }
}
