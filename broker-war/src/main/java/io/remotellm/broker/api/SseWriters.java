package io.remotellm.broker.api;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The threads that write answers to clients: SSE events, and the resume of a non-streamed answer
 * (which writes its whole body). A write to a client that stopped reading blocks in the server
 * until it times out, so a fixed pool (the server's default executor has a couple of core threads)
 * would let a few stalled clients hold up every stream; this pool grows with the writes in progress
 * and lets idle threads go after a minute. Threads come from the container's factory, so they may
 * use its services.
 */
@ApplicationScoped
public class SseWriters {

  @Resource ManagedThreadFactory threads;

  private ExecutorService pool;

  @PostConstruct
  void start() {
    pool = Executors.newCachedThreadPool(threads);
  }

  public Executor executor() {
    return pool;
  }

  @PreDestroy
  void stop() {
    pool.shutdown();
  }
}
