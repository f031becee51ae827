package io.remotellm.broker.cluster;

import java.util.List;

/**
 * The brokers of the cluster and their routes, as the grid holds them. An interface only so the
 * beans that use it never name a Hazelcast type ({@link GridDirectory} does); with one broker there
 * is no directory at all.
 */
interface ClusterDirectory {

  /** Puts this broker's routes on the grid (replacing what it put before). */
  void publish(MemberRoutes mine);

  /** Every live member's routes, this broker's included; members that left are never listed. */
  List<MemberRoutes> members();

  /** Deletes the routes of a member that left (members() no longer lists them anyway). */
  void forget(String memberId);

  /** Takes this broker's routes off the grid (it is stopping). */
  void withdraw();
}
