package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Runs without Hazelcast on the class path (see the pom), as on WildFly and Liberty. */
class ClusterGridTest {

  @Test
  void hazelcastIsNotOnThisTestsClassPath() {
    assertThatThrownBy(() -> Class.forName("com.hazelcast.core.HazelcastInstance"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void oneBrokerWithoutAGridLoadsNoHazelcastClass() {
    ClusterGridProducer producer = new ClusterGridProducer();
    producer.clusterName = Optional.empty();
    ClusterGrid grid = producer.clusterGrid();
    assertThat(grid.clustered()).isFalse();
    assertThat(grid.hazelcast()).isEmpty();
    assertThat(grid.memberId()).startsWith("single-");
  }

  @Test
  void aClusterNamedWhereNoGridExistsRunsAsOneBroker() {
    ClusterGridProducer producer = new ClusterGridProducer();
    producer.clusterName = Optional.of("prod");
    ClusterGrid grid = producer.clusterGrid();
    assertThat(grid.clustered()).isFalse();
    assertThat(grid.hazelcast()).isEmpty();
  }

  @Test
  void theProducersSignaturesNameNoHazelcastType() {
    // What Weld reads of a discovered bean: every method's generic types must resolve.
    for (Method method : ClusterGridProducer.class.getDeclaredMethods()) {
      method.getGenericReturnType();
      method.getGenericParameterTypes();
    }
    for (var field : ClusterGridProducer.class.getDeclaredFields()) {
      field.getGenericType();
    }
  }

  @Test
  void theProxiedClassHasOnlyErasedSignaturesThatLoad() {
    // What a client proxy reads: erased types, which must load without Hazelcast.
    for (Method method : ClusterGrid.class.getDeclaredMethods()) {
      method.getReturnType();
      method.getParameterTypes();
    }
  }
}
