package io.remotellm.protocol;

import java.util.List;

/**
 * Either way, protocol 2: several frames in one WebSocket message, to be handled one after the
 * other exactly as if each had come alone. A sender packs the frames that are already waiting for
 * the socket while a send is in progress, so batching never delays a frame; under load it divides
 * every per-message cost (on Payara each message in or out reschedules an executor task, which
 * dominated the broker's CPU in docs/benchmarks.md) by the number of frames packed.
 */
public record Batch(List<Frame> frames) implements Frame {
  public Batch {
    if (frames == null || frames.isEmpty()) {
      throw new IllegalArgumentException("field 'frames' must hold at least one frame");
    }
    for (Frame f : frames) {
      if (f == null) {
        throw new IllegalArgumentException("field 'frames' holds a null frame");
      }
      if (f instanceof Batch) {
        throw new IllegalArgumentException("field 'frames' holds a batch: batches do not nest");
      }
    }
    frames = List.copyOf(frames);
  }
}
