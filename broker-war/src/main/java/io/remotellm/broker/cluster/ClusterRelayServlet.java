package io.remotellm.broker.cluster;

import io.remotellm.broker.api.SseWriters;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.relay.Dispatcher;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.protocol.LlmApi;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where another broker of the cluster sends a request it has no connector for: checks the signature
 * ({@link ForwardSignature}; anything else gets 401 and nothing is relayed), then hands the request
 * to this broker's relay as that broker's user made it, never to be forwarded again, and streams
 * the answer back as {@link SinkEvents} lines. The user was authenticated and admitted by the
 * forwarding broker, which also counts the usage; this broker does neither again.
 */
@WebServlet(urlPatterns = ClusterRelayServlet.PATH, asyncSupported = true)
public class ClusterRelayServlet extends HttpServlet {
  static final String PATH = "/cluster/relay";
  private static final Logger LOG = Logger.getLogger(ClusterRelayServlet.class.getName());

  @Inject ClusterGrid grid;
  @Inject ForwardSignature signature;
  @Inject Dispatcher dispatcher;
  @Inject BrokerSettings settings;
  @Inject SseWriters writers;

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    if (!grid.clustered()) {
      resp.sendError(404);
      return;
    }
    // The client's body plus a little JSON around it.
    long max = settings.maxBodyBytes() * 2 + 65536;
    byte[] body;
    try (InputStream in = req.getInputStream()) {
      body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    }
    if (body.length > max) {
      resp.sendError(413);
      return;
    }
    String why =
        signature.refusal(
            "POST",
            PATH,
            req.getHeader(ForwardSignature.TIME),
            req.getHeader(ForwardSignature.REQUEST),
            req.getHeader(ForwardSignature.SIGNATURE),
            body,
            System.currentTimeMillis());
    if (why != null) {
      LOG.log(
          Level.WARNING,
          "cluster: refused a forwarded request from {0}: {1}",
          new Object[] {req.getRemoteAddr(), why});
      resp.setStatus(401);
      resp.setContentType("application/json");
      resp.getWriter().write("{\"error\":\"forwarded request refused\"}");
      return;
    }
    RelayRequest request;
    try {
      request = request(SinkEvents.parse(new String(body, StandardCharsets.UTF_8)));
    } catch (RuntimeException e) {
      resp.sendError(400);
      return;
    }
    resp.setStatus(200);
    resp.setContentType("application/x-ndjson");
    AsyncContext async = req.startAsync();
    async.setTimeout(0); // the relay's own upstream timeout ends the request
    if (request.stream()) {
      // The status now, so the forwarding broker is not left waiting for headers while the LLM
      // thinks. Not for a request that is not streamed: its head goes with its answer, in one
      // write (the forwarding broker's wait for it is bounded by ClusterForwarding's timeout).
      resp.flushBuffer();
    }
    ForwardedSink sink =
        new ForwardedSink(
            async, request.stream(), writers.executor(), settings.maxBufferedBytesPerStream());
    SinkEventLines.relay(dispatcher, request, sink);
  }

  static RelayRequest request(JsonObject o) {
    Map<String, String> headers = new HashMap<>();
    JsonObject h = o.getJsonObject("headers");
    for (Map.Entry<String, JsonValue> e : h.entrySet()) {
      headers.put(e.getKey(), ((JsonString) e.getValue()).getString());
    }
    return new RelayRequest(
        o.getString("request_id"),
        o.getString("path"),
        o.getString("model", null),
        o.getBoolean("stream"),
        o.getString("body"),
        o.getString("method"),
        LlmApi.of(o.getString("api")).orElseThrow(),
        headers,
        o.getString("response_id", null),
        o.getString("user"),
        o.getString("query", null));
  }
}
