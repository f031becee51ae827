package io.remotellm.broker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.auth.ConnectorCredential;
import org.junit.jupiter.api.Test;

class ResponseIdsTest {

  @Test
  void findsTheIdAtTheStartOfABodyOrOfResponseCreated() {
    assertThat(ResponseIds.idIn("{\"id\":\"resp_1\",\"object\":\"response\"}")).hasValue("resp_1");
    assertThat(
            ResponseIds.idIn(
                "{\"type\":\"response.created\",\"sequence_number\":0,"
                    + "\"response\":{\"id\": \"resp_2\",\"output\":[{\"id\":\"msg_9\"}]}}"))
        .hasValue("resp_2");
    assertThat(ResponseIds.idIn("{\"object\":\"response\"}")).isEmpty();
    assertThat(ResponseIds.idIn("{\"id\":\"bad id\"}")).isEmpty();
    assertThat(ResponseIds.idIn(" ".repeat(5000) + "{\"id\":\"resp_late\"}")).isEmpty();
  }

  @Test
  void rememberedIdsExpireAndTheOldestGoFirst() {
    ResponseIds ids = new ResponseIds();
    ConnectorLink link = link("c-1");
    ids.remember("resp_a", link, "alice", 0);
    assertThat(ids.owner("resp_a", "alice", 1))
        .hasValueSatisfying(o -> assertThat(o.linkId()).isEqualTo("c-1"));
    // Only its creator may ask for a response by id; to anyone else it does not exist.
    assertThat(ids.owner("resp_a", "bob", 1)).isEmpty();
    assertThat(ids.owner("resp_a", "alice", ResponseIds.TTL.toNanos() + 1)).isEmpty();
    assertThat(ids.size()).isZero();
    for (int i = 0; i <= ResponseIds.MAX_ENTRIES; i++) {
      ids.remember("resp_" + i, link, "alice", 0);
    }
    assertThat(ids.size()).isEqualTo(ResponseIds.MAX_ENTRIES);
    assertThat(ids.owner("resp_0", "alice", 1)).isEmpty();
    assertThat(ids.owner("resp_" + ResponseIds.MAX_ENTRIES, "alice", 1)).isPresent();
  }

  private static ConnectorLink link(String id) {
    return new ConnectorLink(
        id, new ConnectorCredential("fp-1", java.util.Optional.empty(), "tok"), null);
  }
}
