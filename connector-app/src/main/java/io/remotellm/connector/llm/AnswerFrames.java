package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import io.remotellm.connector.connection.FrameSender;
import io.remotellm.connector.logging.JsonField;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Head;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The answer to one request, as the frames that carry it back to the broker (the broker's {@code
 * ResponseSink} writes it on to the client), in protocol order: {@code head}, {@code data}*, then
 * exactly one {@code end} or {@code error}; nothing at all once cancelled. Thread-safe; the first
 * of end, fail and cancel wins.
 */
public final class AnswerFrames {
  private static final Logger LOG = Logger.getLogger(AnswerFrames.class.getName());

  private final String id;
  private final String requestId;
  private final FrameSender sender;
  private final Runnable onDone;
  private final DataFrameBytes dataFrame;
  private final long started = System.nanoTime();
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile boolean headSent;
  private final AtomicReference<Head> heldHead = new AtomicReference<>();
  private volatile int status;
  private volatile long dataFrames;
  private volatile Runnable cancelAction;
  private volatile boolean cancelled;

  AnswerFrames(String id, String requestId, FrameSender sender, Runnable onDone) {
    this.id = id;
    this.requestId = requestId;
    this.sender = sender;
    this.onDone = onDone;
    this.dataFrame = new DataFrameBytes(id);
  }

  public String id() {
    return id;
  }

  /** The client's {@code x-request-id} (or the frame id), for every log line about this request. */
  public String requestId() {
    return requestId;
  }

  public boolean open() {
    return !done.get();
  }

  public boolean headSent() {
    return headSent;
  }

  /**
   * The LLM's status and headers. For a streamed answer they go out at once (the client learns its
   * request was taken); any other answer reaches the client only as a whole, so its head waits and
   * leaves with the first body frames, or with {@code end}, in one message.
   */
  public void head(int httpStatus, Map<String, String> headers) {
    if (done.get()) {
      return;
    }
    status = httpStatus;
    headSent = true;
    Head head = new Head(id, httpStatus, headers);
    String type = headers.getOrDefault("content-type", "");
    if (type.regionMatches(true, 0, "text/event-stream", 0, 17)) {
      sender.send(head);
    } else {
      heldHead.set(head);
    }
  }

  /** Sends one payload; {@code sent} hears null once it is written, else why not. */
  public void data(String payload, Consumer<Throwable> sent) {
    data(List.of(payload), sent);
  }

  /**
   * Sends payloads together (the SSE events of one read from the LLM); {@code sent} hears about the
   * last.
   */
  public void data(List<String> payloads, Consumer<Throwable> sent) {
    events(payloads.stream().map(SseEvent::unnamed).toList(), sent);
  }

  /** Sends events together (one read from the LLM); {@code sent} hears about the last. */
  public void events(List<SseEvent> events, Consumer<Throwable> sent) {
    if (done.get()) {
      if (sent != null) {
        sent.accept(new CancellationException("answer already finished"));
      }
      return;
    }
    sender.sendWire(headAndData(events), sent);
  }

  public void end(JsonObject usage) {
    complete(List.of(), usage);
  }

  /** The last payloads and {@code end}, sent together. */
  public void complete(List<String> payloads, JsonObject usage) {
    completeEvents(payloads.stream().map(SseEvent::unnamed).toList(), usage);
  }

  /** The last events and {@code end}, sent together. */
  public void completeEvents(List<SseEvent> payloads, JsonObject usage) {
    if (done.compareAndSet(false, true)) {
      List<String> frames = headAndData(payloads);
      frames.add(sender.wire(new End(id, usage)));
      sender.sendWire(frames, null);
      finish("done", Level.INFO);
    }
  }

  public void fail(int httpStatus, String code, String message) {
    if (done.compareAndSet(false, true)) {
      status = httpStatus;
      List<String> frames = new ArrayList<>(2);
      // A head already given stays in the record: the broker must not retry an answer the LLM
      // began.
      addHeldHead(frames);
      frames.add(sender.wire(new Failure(id, httpStatus, code, message)));
      sender.sendWire(frames, null);
      finish("failed: " + message, Level.WARNING);
    }
  }

  /**
   * The held head, if any, and a {@code data} frame per payload, as wire text; room left for one
   * more frame.
   */
  private List<String> headAndData(List<SseEvent> payloads) {
    List<String> frames = new ArrayList<>(payloads.size() + 2);
    addHeldHead(frames);
    for (SseEvent payload : payloads) {
      frames.add(dataFrame.frame(payload));
    }
    dataFrames += payloads.size();
    return frames;
  }

  private void addHeldHead(List<String> frames) {
    Head head = heldHead.getAndSet(null);
    if (head != null) {
      frames.add(sender.wire(head));
    }
  }

  /** Registers how to stop the upstream work; runs it now if the request is already cancelled. */
  public void onCancel(Runnable action) {
    cancelAction = action;
    if (cancelled) {
      action.run();
    }
  }

  /** The broker gave up on this request (or the socket went): stop the work, send nothing more. */
  void cancel(String reason) {
    cancelled = true;
    if (done.compareAndSet(false, true)) {
      Runnable action = cancelAction;
      if (action != null) {
        action.run();
      }
      finish("cancelled: " + reason, Level.INFO);
    }
  }

  public boolean cancelled() {
    return cancelled;
  }

  private void finish(String outcome, Level level) {
    onDone.run();
    log(
        LOG,
        level,
        "request {0} {1}",
        JsonField.requestId(requestId),
        of("outcome", outcome),
        of("frame_id", id),
        of("status", status),
        of("data_frames", dataFrames),
        of("duration_ms", (System.nanoTime() - started) / 1_000_000));
  }
}
