package io.remotellm.broker.ollama;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * Tells a sink that the container saw the client go (an I/O error or a timeout on the async
 * response): the relay must stop the LLM.
 */
final class ClientListener implements AsyncListener {
  private final Runnable gone;

  ClientListener(Runnable gone) {
    this.gone = gone;
  }

  @Override
  public void onError(AsyncEvent event) {
    gone.run();
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    gone.run();
  }

  @Override
  public void onComplete(AsyncEvent event) {
    // Our own completion: nothing to tell.
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // Not restarted.
  }
}
