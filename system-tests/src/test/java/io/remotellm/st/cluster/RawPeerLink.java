package io.remotellm.st.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A peer link dialled from outside the cluster, byte by byte on a plain socket (RFC 6455, client
 * side): the test chooses the upgrade's headers (signed with the cluster secret as a broker signs
 * them, or forged, stale, replayed), sends frames a broker would not send, and reads, or does not
 * read, what comes back. The signing is written out here from docs/cluster.md, not taken from the
 * broker's code, so a change of the wire format fails this test.
 */
final class RawPeerLink implements AutoCloseable {
  static final String PATH = "/cluster/link";
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;

  /** One message read back: its opcode, its text, and for a close its status code. */
  record Message(int opcode, String text, int closeCode) {
    boolean isClose() {
      return opcode == CLOSE;
    }

    /** The first line's kind and id of a peer link frame, e.g. {@code "Z 2"}. */
    String frameHead() {
      int eol = text.indexOf('\n');
      return eol < 0 ? text : text.substring(0, eol);
    }

    String payload() {
      int eol = text.indexOf('\n');
      return eol < 0 ? "" : text.substring(eol + 1);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final int status;

  private RawPeerLink(Socket socket, int status) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.status = status;
  }

  /**
   * Upgrades a connection to {@code 127.0.0.1:port}{@value #PATH} with {@code headers}; {@code
   * receiveBuffer} (bytes, 0 for the default) bounds what the kernel takes in while the test does
   * not read.
   */
  static RawPeerLink open(int port, Map<String, String> headers, int receiveBuffer)
      throws IOException {
    Socket socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(30_000);
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    StringBuilder head =
        new StringBuilder("GET " + PATH + " HTTP/1.1\r\n")
            .append("Host: 127.0.0.1:")
            .append(port)
            .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
            .append("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ")
            .append(Base64.getEncoder().encodeToString(key))
            .append("\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    String response = readHead(socket.getInputStream());
    int status = Integer.parseInt(response.substring(9, 12));
    return new RawPeerLink(socket, status);
  }

  /** The headers a broker with the cluster secret in {@code secretFile} sends at {@code time}. */
  static Map<String, String> signed(Path secretFile, long timeMillis) throws IOException {
    String secret = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
    return signedWith(secret, timeMillis);
  }

  static Map<String, String> signedWith(String secret, long timeMillis) {
    String nonce = "st." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    try {
      String emptyBodyHash =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[0]));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String text = "GET\n" + PATH + "\n" + timeMillis + "\n" + nonce + "\n" + emptyBodyHash;
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("x-remotellm-cluster-time", Long.toString(timeMillis));
      headers.put("x-remotellm-cluster-request", nonce);
      headers.put(
          "x-remotellm-cluster-signature",
          HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8))));
      return headers;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code R} frame of a forwarded OpenAI chat for {@code model}, as a broker encodes it. */
  static String chatRequest(long id, String requestId, String model, boolean stream, String extra) {
    String chat =
        "{\"model\":\""
            + model
            + "\",\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
            + extra
            + "}";
    String body =
        "{\"request_id\":\""
            + requestId
            + "\",\"path\":\"/v1/chat/completions\",\"stream\":"
            + stream
            + ",\"body\":\""
            + chat.replace("\\", "\\\\").replace("\"", "\\\"")
            + "\",\"method\":\"POST\",\"api\":\"openai\",\"headers\":{},\"user\":\"st-raw-peer\""
            + ",\"model\":\""
            + model
            + "\"}";
    return "R " + id + "\n" + body;
  }

  /** The HTTP status of the upgrade: 101 when the server took the WebSocket. */
  int status() {
    return status;
  }

  void sendText(String text) throws IOException {
    send(TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  void sendBinary(byte[] data) throws IOException {
    send(BINARY, data);
  }

  private void send(int opcode, byte[] payload) throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0x80 | opcode);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length < 65536) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    } else {
      frame.write(0x80 | 127);
      frame.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i & 3]);
    }
    out.write(frame.toByteArray());
    out.flush();
  }

  /**
   * The next message (fragments joined; pings skipped), or null when none came within {@code
   * timeout}; a closed connection reads as a close with code 1006.
   */
  Message read(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    int opcode = -1;
    try {
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7f;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        int op = b0 & 0x0f;
        if (op == 0x9 || op == 0xA) {
          continue; // ping, pong
        }
        if (op == CLOSE) {
          int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
          String reason =
              payload.length > 2
                  ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
                  : "";
          return new Message(CLOSE, reason, code);
        }
        if (op != 0) {
          opcode = op;
        }
        message.writeBytes(payload);
        if ((b0 & 0x80) != 0) {
          return new Message(opcode, message.toString(StandardCharsets.UTF_8), 0);
        }
      }
    } catch (SocketTimeoutException e) {
      return null;
    } catch (EOFException e) {
      return new Message(CLOSE, "connection closed", 1006);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed in the upgrade's answer: " + head);
      }
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }
}
