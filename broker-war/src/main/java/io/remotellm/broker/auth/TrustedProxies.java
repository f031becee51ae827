package io.remotellm.broker.auth;

import io.remotellm.broker.config.ConfigurationException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The reverse proxies in front of the broker whose {@code X-Forwarded-For} is believed, as
 * addresses or CIDR ranges. Behind a proxy every caller has the proxy's address; the login throttle
 * keys on the caller the proxy saw instead, so one connector guessing tokens does not hold off
 * every other connector behind the same proxy. The header is read only when the connection comes
 * from one of these proxies: anyone else could write anything in it.
 */
public final class TrustedProxies {

  /** Only IP literals are parsed: a host name would make {@link InetAddress} ask the DNS. */
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

  private record Range(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xFF << (8 - rest) & 0xFF;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Range> ranges;

  private TrustedProxies(List<Range> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  public static TrustedProxies none() {
    return new TrustedProxies(List.of());
  }

  /**
   * Parses {@code entries} such as {@code 10.0.0.5}, {@code 10.0.0.0/8}, {@code ::1} or {@code
   * fd00::/8}; throws {@link ConfigurationException} naming the first one that is neither.
   */
  public static TrustedProxies parse(List<String> entries) {
    List<Range> ranges = new ArrayList<>();
    for (String entry : entries) {
      String text = entry.strip();
      int slash = text.indexOf('/');
      byte[] network = literal(slash < 0 ? text : text.substring(0, slash));
      if (network == null) {
        throw new ConfigurationException(
            "remotellm.broker.trusted-proxies: '" + text + "' is not an IP address or CIDR range");
      }
      int prefix = network.length * 8;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > network.length * 8) {
          throw new ConfigurationException(
              "remotellm.broker.trusted-proxies: '" + text + "' has no valid prefix length");
        }
      }
      ranges.add(new Range(network, prefix));
    }
    return new TrustedProxies(ranges);
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /**
   * The caller's address: {@code remoteAddress}, or, when that is a trusted proxy, the nearest
   * address in {@code forwardedFor} (read from the right, the proxy's own end) that is not a
   * trusted proxy itself. An entry that is no IP address ends the walk at the last trusted hop.
   */
  public String clientOf(String remoteAddress, String forwardedFor) {
    if (ranges.isEmpty() || forwardedFor == null || !trusted(remoteAddress)) {
      return remoteAddress;
    }
    String client = remoteAddress;
    String[] hops = forwardedFor.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      if (literal(hop) == null) {
        return client;
      }
      client = hop;
      if (!trusted(hop)) {
        return hop;
      }
    }
    return client;
  }

  private boolean trusted(String address) {
    byte[] bytes = literal(address);
    if (bytes == null) {
      return false;
    }
    for (Range range : ranges) {
      if (range.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] literal(String text) {
    if (text == null
        || text.isEmpty()
        || !IP_LITERAL.matcher(text).matches()
        || (text.indexOf(':') < 0 && text.chars().filter(c -> c == '.').count() != 3)) {
      return null;
    }
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
