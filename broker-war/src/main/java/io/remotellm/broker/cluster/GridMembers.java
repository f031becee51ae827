package io.remotellm.broker.cluster;

import com.hazelcast.core.HazelcastInstance;

/** Questions about the grid's members; called only when a grid exists. */
final class GridMembers {
  private GridMembers() {}

  static String localMemberId(Object hazelcast) {
    return ((HazelcastInstance) hazelcast).getCluster().getLocalMember().getUuid().toString();
  }
}
