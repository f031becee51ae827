package io.remotellm.broker.cluster.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.admin.AdminState;
import io.remotellm.broker.cluster.ClusterGrid;
import io.remotellm.broker.limits.Limits;
import io.remotellm.broker.limits.LocalLimitState;
import io.remotellm.broker.limits.RateLimiter;
import io.remotellm.broker.users.ModelAllowList;
import io.remotellm.broker.users.User;
import java.lang.reflect.Method;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Runs without Hazelcast on the class path, as on WildFly and Liberty. */
class SharedStateTest {

  @Test
  void hazelcastIsNotOnThisTestsClassPath() {
    assertThatThrownBy(() -> Class.forName("com.hazelcast.core.HazelcastInstance"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void whatWeldReadsOfTheBeanResolvesWithoutHazelcast() {
    for (Method method : SharedState.class.getDeclaredMethods()) {
      method.getGenericReturnType();
      method.getGenericParameterTypes();
    }
    for (var field : SharedState.class.getDeclaredFields()) {
      field.getGenericType();
    }
  }

  @Test
  void oneBrokerKeepsItsOwnCountersAndLoadsNoHazelcastClass() {
    SharedState shared = new SharedState();
    shared.grid = new ClusterGrid() {}; // one broker: no grid
    shared.limiter = RateLimiter.of(new LocalLimitState(), Clock.systemUTC(), null);
    shared.admin = new AdminState();
    shared.onStart(new Object());
    User user = new User("u", new Limits(2, 0, 0, 0), ModelAllowList.ANY);
    assertThat(shared.limiter.admit(user).requestsRemaining()).isEqualTo(1);
    shared.stop();
  }
}
