package io.remotellm.bench.floor;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * Minimal answers in the shape the harness checks: the runtime's own cost of a POST with a JSON
 * body, and of an SSE stream written through {@link SseEventSink}, with none of the relay's work.
 * See {@link FloorApplication} for why it exists and where.
 */
@Path("/")
public class FloorResource {

  // About the size of the fake LLM's non-streamed answer, so both write the same bytes.
  private static final String ANSWER =
      "{\"id\":\"chatcmpl-floor\",\"object\":\"chat.completion\",\"created\":0,"
          + "\"model\":\"fake-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
          + "\"assistant\",\"content\":\"tok0tok1tok2tok3tok4\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}}";

  @POST
  @Path("chat")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public String chat(String body) {
    return ANSWER;
  }

  /** {@code n} chunk events saying tok0..tok(n-1), then {@code [DONE]}, as an LLM streams. */
  @POST
  @Path("stream")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void stream(
      String body, @QueryParam("n") int n, @Context SseEventSink sink, @Context Sse sse) {
    try (sink) {
      for (int i = 0; i < n; i++) {
        sink.send(
            sse.newEvent(
                "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"tok"
                    + i
                    + "\"}}]}"));
      }
      sink.send(sse.newEvent("[DONE]"));
    }
  }
}
