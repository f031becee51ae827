package io.remotellm.st.cluster;

import io.remotellm.st.support.ProductProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What the cluster ITs need to see a forward take the peer link: a broker's access line for a
 * request id, and a streamed chat whose client hangs up mid-stream.
 */
final class PeerLinkTraffic {
  private PeerLinkTraffic() {}

  /** The broker's access line (the JSON line of its "relayed" record) for {@code requestId}. */
  static Optional<String> accessLine(ProductProcess broker, String requestId) {
    return broker
        .output()
        .lines()
        .filter(l -> l.contains("\"request_id\":\"" + requestId + "\""))
        .filter(l -> l.contains("\"duration_ms\""))
        .findFirst();
  }

  /**
   * Starts a streamed chat on the broker at {@code port} as {@code requestId}, reads until the
   * first event has arrived, then closes the connection: the client is gone mid-stream.
   */
  static void hangUpMidStream(int port, String key, String requestId, String body)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + key
                  + "\r\nContent-Type: application/json\r\nx-request-id: "
                  + requestId
                  + "\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      byte[] buffer = new byte[4096];
      while (!seen.toString().contains("data: {")) {
        int n = in.read(buffer);
        if (n < 0) {
          throw new IOException("the stream ended before its first event: " + seen);
        }
        seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      }
    }
  }
}
