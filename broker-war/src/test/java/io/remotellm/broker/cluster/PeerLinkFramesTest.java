package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remotellm.broker.error.ApiError;
import org.junit.jupiter.api.Test;

/** A peer link's frames read back as they were written, and nothing else is taken for one. */
class PeerLinkFramesTest {

  @Test
  void requestCancelAndAnswerFramesRoundTrip() {
    PeerLinkFrames.Frame request =
        PeerLinkFrames.parse(PeerLinkFrames.request(7, "{\"a\":\"x\ny\"}"));
    assertThat(request.kind()).isEqualTo(PeerLinkFrames.REQUEST);
    assertThat(request.id()).isEqualTo(7);
    assertThat(request.payload()).isEqualTo("{\"a\":\"x\ny\"}");

    PeerLinkFrames.Frame cancel = PeerLinkFrames.parse(PeerLinkFrames.cancel(Long.MAX_VALUE));
    assertThat(cancel.kind()).isEqualTo(PeerLinkFrames.CANCEL);
    assertThat(cancel.id()).isEqualTo(Long.MAX_VALUE);
    assertThat(cancel.payload()).isEmpty();

    String lines = SinkEvents.data(null, "hello\nworld") + SinkEvents.end();
    PeerLinkFrames.Frame more = PeerLinkFrames.parse(PeerLinkFrames.answer(3, false, lines));
    assertThat(more.kind()).isEqualTo(PeerLinkFrames.ANSWER);
    assertThat(more.payload()).isEqualTo(lines);
    // A payload's own line breaks are escaped, so the answer splits into its events.
    assertThat(more.payload().split("\n")).hasSize(2);
    assertThat(SinkEvents.parse(more.payload().split("\n")[0]).getString("payload"))
        .isEqualTo("hello\nworld");

    String failed = SinkEvents.fail(ApiError.upstream("gone"), true);
    PeerLinkFrames.Frame last = PeerLinkFrames.parse(PeerLinkFrames.answer(3, true, failed));
    assertThat(last.kind()).isEqualTo(PeerLinkFrames.LAST);
    assertThat(SinkEvents.error(SinkEvents.parse(last.payload().strip())).message())
        .isEqualTo("gone");
    assertThat(PeerLinkFrames.parse(PeerLinkFrames.answer(4, true, "")).payload()).isEmpty();
  }

  @Test
  void anythingElseIsRefusedWithAClearError() {
    for (String bad :
        new String[] {"", "R", "R7", "X 1", "R x\n{}", "R 99999999999999999999999\n"}) {
      assertThatThrownBy(() -> PeerLinkFrames.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
