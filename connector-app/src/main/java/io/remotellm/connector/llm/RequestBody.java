package io.remotellm.connector.llm;

import java.nio.ByteBuffer;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;

/**
 * A request's body for Jetty's client: one chunk of bytes already in memory. Jetty's {@code
 * BytesRequestContent} does the same through a general source of many buffers whose constructor
 * sums and slices them with streams, a twentieth of the connector's CPU per request
 * (docs/benchmarks.md, issue 17); this holds the one array. The content type is among the request's
 * headers, so none is given here. Reproducible: {@link #rewind} starts it again.
 */
final class RequestBody implements Request.Content {
  private final byte[] body;
  private boolean read;
  private Throwable failure;

  RequestBody(byte[] body) {
    this.body = body;
  }

  @Override
  public String getContentType() {
    return null;
  }

  @Override
  public long getLength() {
    return body.length;
  }

  @Override
  public synchronized Content.Chunk read() {
    if (failure != null) {
      return Content.Chunk.from(failure, true);
    }
    if (read) {
      return Content.Chunk.EOF;
    }
    read = true;
    return Content.Chunk.from(ByteBuffer.wrap(body), true);
  }

  /** The bytes are always there, so the reader is told at once. */
  @Override
  public void demand(Runnable demandCallback) {
    demandCallback.run();
  }

  @Override
  public synchronized void fail(Throwable reason) {
    if (failure == null) {
      failure = reason;
    }
  }

  @Override
  public synchronized boolean rewind() {
    read = false;
    return true;
  }
}
