/**
 * Several brokers as one (issue 15): Payara's Hazelcast data grid when the launcher configured a
 * cluster, one broker otherwise. Only the classes reached after {@link
 * io.remotellm.broker.cluster.ClusterGrid#clustered()} said yes touch Hazelcast types, so the WAR
 * deploys where no grid exists (WildFly, Liberty, Payara with {@code --nohazelcast}); CDI beans
 * here never name a Hazelcast type in a field or signature, because Weld reads every member's
 * generic type when it discovers a bean.
 */
package io.remotellm.broker.cluster;
