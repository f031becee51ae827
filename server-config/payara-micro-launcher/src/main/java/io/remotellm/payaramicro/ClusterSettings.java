package io.remotellm.payaramicro;

import io.remotellm.settings.BrokerProperties;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether this broker is one of a cluster (issue 15) and how: the cluster's name, its members'
 * Hazelcast addresses, this member's Hazelcast port, the URL other brokers forward requests to, and
 * the file holding the secret that signs them (read by the broker, never by us, never logged).
 * {@link #NONE} is one broker, Payara Micro started with {@code --nohazelcast} as before.
 */
record ClusterSettings(
    String name, List<String> members, int port, String publicUrl, String secretFile) {

  static final ClusterSettings NONE = new ClusterSettings("", List.of(), 0, "", "");
  static final String DEFAULT_PORT = "6900";

  /**
   * Hazelcast's failure detection: a frozen broker (no heartbeat) leaves the cluster after 10 s
   * instead of the default 60; a killed one is seen at once from its closed connections.
   */
  static final List<String> HEARTBEAT_OPTIONS =
      List.of(
          "-Dhazelcast.heartbeat.interval.seconds=2", "-Dhazelcast.max.no.heartbeat.seconds=10");

  boolean clustered() {
    return !name.isEmpty();
  }

  static ClusterSettings resolve(
      BrokerLauncher flags,
      Map<String, String> env,
      BrokerSettings.Sources from,
      String host,
      int httpPort,
      boolean files)
      throws UsageException {
    String name = pick(from, flags.clusterName, env, "REMOTELLM_BROKER_CLUSTER_NAME");
    List<String> members = members(from, flags.clusterMembers, env);
    String portText = pick(from, flags.clusterPort, env, "REMOTELLM_BROKER_CLUSTER_PORT");
    String publicUrl = pick(from, flags.publicUrl, env, "REMOTELLM_BROKER_PUBLIC_URL");
    String secretFile =
        pick(from, flags.clusterSecretFile, env, "REMOTELLM_BROKER_CLUSTER_SECRET_FILE");
    if (name.isEmpty()) {
      if (!members.isEmpty()
          || !portText.isEmpty()
          || !publicUrl.isEmpty()
          || !secretFile.isEmpty()) {
        throw new UsageException(
            "--cluster-member, --cluster-port, --public-url and --cluster-secret-file"
                + " need --cluster-name");
      }
      return NONE;
    }
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new UsageException("--cluster-name may hold letters, digits, '.', '_' and '-' only");
    }
    if (members.isEmpty()) {
      throw new UsageException("--cluster-name needs at least one --cluster-member HOST:PORT");
    }
    int port = port(portText.isEmpty() ? DEFAULT_PORT : portText);
    if (port == httpPort) {
      throw new UsageException("--cluster-port must differ from --port");
    }
    if (publicUrl.isEmpty()) {
      if (host.equals("0.0.0.0") || host.equals("::")) {
        throw new UsageException(
            "--cluster-name needs --public-url (how other brokers reach this one)"
                + " when --host is 0.0.0.0");
      }
      publicUrl = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + httpPort;
    }
    publicUrl = checkUrl(publicUrl);
    if (secretFile.isEmpty()) {
      throw new UsageException(
          "--cluster-name needs --cluster-secret-file (the secret brokers sign forwarded requests"
              + " with)");
    }
    Path secret = Path.of(secretFile).toAbsolutePath().normalize();
    if (files && (!Files.isReadable(secret) || Files.isDirectory(secret))) {
      throw new UsageException("cluster secret file '" + secretFile + "' is not a readable file");
    }
    from.given.put("REMOTELLM_BROKER_CLUSTER_SECRET_FILE", secret.toString());
    return new ClusterSettings(name, members, port, publicUrl, secret.toString());
  }

  /**
   * Payara Micro's clustering options: TCP/IP discovery of the members named (a port range there
   * fails in Payara 6, so every member is HOST:PORT), bound to this member's address.
   */
  List<String> payaraOptions() {
    if (!clustered()) {
      return List.of("--nohazelcast");
    }
    List<String> options = new ArrayList<>();
    options.addAll(List.of("--clustermode", "tcpip:" + String.join(",", members)));
    options.addAll(List.of("--clustername", name));
    options.addAll(List.of("--startport", Integer.toString(port)));
    String address = URI.create(publicUrl).getHost();
    if (address != null && address.matches("[0-9.]+")) {
      // Without it Hazelcast may pick another interface than the one the members list names.
      options.addAll(List.of("--interfaces", address));
    }
    return options;
  }

  /** The system properties the WAR reads (ClusterGrid and forwarding); none for one broker. */
  Map<String, String> properties() {
    Map<String, String> all = new LinkedHashMap<>();
    if (clustered()) {
      all.put(BrokerProperties.CLUSTER_NAME, name);
      all.put(BrokerProperties.PUBLIC_URL, publicUrl);
      all.put(BrokerProperties.CLUSTER_SECRET_FILE, secretFile);
    }
    return all;
  }

  private static List<String> members(
      BrokerSettings.Sources from, List<String> flags, Map<String, String> env)
      throws UsageException {
    List<String> items;
    if (flags != null && !flags.isEmpty()) {
      items = List.copyOf(flags);
    } else {
      String value = env.getOrDefault("REMOTELLM_BROKER_CLUSTER_MEMBERS", "");
      items = value.isEmpty() ? List.of() : List.of(value.split(",", -1));
    }
    for (String member : items) {
      int colon = member.lastIndexOf(':');
      if (colon <= 0
          || !member.substring(0, colon).matches("[A-Za-z0-9.\\-\\[\\]:]+")
          || !member.substring(colon + 1).matches("[0-9]{1,5}")
          || Integer.parseInt(member.substring(colon + 1)) > 65535) {
        throw new UsageException("--cluster-member must be HOST:PORT, e.g. 10.0.0.5:6900");
      }
    }
    if (!items.isEmpty()) {
      from.given.put("REMOTELLM_BROKER_CLUSTER_MEMBERS", String.join(",", items));
    }
    return items;
  }

  private static String checkUrl(String url) throws UsageException {
    try {
      URI uri = new URI(url);
      if ((!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()))
          || uri.getHost() == null
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null) {
        throw new URISyntaxException(url, "not an http(s) base URL");
      }
      return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    } catch (URISyntaxException e) {
      throw new UsageException("--public-url must be an http(s) URL such as http://10.0.0.5:8443");
    }
  }

  private static int port(String value) throws UsageException {
    if (!value.matches("[0-9]{1,5}") || Integer.parseInt(value) > 65535) {
      throw new UsageException("--cluster-port must be a port number (0-65535)");
    }
    return Integer.parseInt(value);
  }

  private static String pick(
      BrokerSettings.Sources from, String flag, Map<String, String> env, String name) {
    String value = flag != null ? flag : env.getOrDefault(name, "");
    if (!value.isEmpty()) {
      from.given.put(name, value);
    }
    return value;
  }
}
