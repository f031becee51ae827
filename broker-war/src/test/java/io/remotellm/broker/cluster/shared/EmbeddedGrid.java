package io.remotellm.broker.cluster.shared;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Real Hazelcast members in this JVM, joined over loopback TCP on free ports, like brokers. Public
 * for the grid tests of the cluster package.
 */
public final class EmbeddedGrid implements AutoCloseable {

  private final String cluster = "remotellm-test-" + UUID.randomUUID();
  private final List<Integer> ports = new ArrayList<>();
  private final List<HazelcastInstance> members = new ArrayList<>();

  public EmbeddedGrid(int count) {
    for (int i = 0; i < count + 2; i++) {
      ports.add(freePort()); // two spare for members that join later
    }
    for (int i = 0; i < count; i++) {
      start();
    }
  }

  public HazelcastInstance get(int i) {
    return members.get(i);
  }

  int size() {
    return members.size();
  }

  /** Starts one more member on the next spare port. */
  HazelcastInstance start() {
    Config config = new Config();
    config.setClusterName(cluster);
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(ports.get(members.size())).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    ports.forEach(p -> join.getTcpIpConfig().addMember("127.0.0.1:" + p));
    HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
    members.add(member);
    return member;
  }

  @Override
  public void close() {
    members.forEach(m -> m.getLifecycleService().terminate());
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
