package io.remotellm.connector.llm;

import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A TLS context for a client that only ever speaks plain HTTP: every use fails, so a TLS connection
 * through it (which the client never opens to an {@code http://} URL, and it follows no redirects)
 * cannot happen unverified.
 */
final class NoTls extends SSLContextSpi {
  static final SSLContext CONTEXT =
      new SSLContext(
          new NoTls(),
          new Provider("remotellm-no-tls", "1", "no TLS: the LLM URL is http://") {},
          "none") {};

  private static UnsupportedOperationException refused() {
    return new UnsupportedOperationException("no TLS: the LLM URL is http://");
  }

  @Override
  protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
    throw refused();
  }

  @Override
  protected SSLSocketFactory engineGetSocketFactory() {
    throw refused();
  }

  @Override
  protected SSLServerSocketFactory engineGetServerSocketFactory() {
    throw refused();
  }

  @Override
  protected SSLEngine engineCreateSSLEngine() {
    throw refused();
  }

  @Override
  protected SSLEngine engineCreateSSLEngine(String host, int port) {
    throw refused();
  }

  @Override
  protected SSLSessionContext engineGetServerSessionContext() {
    throw refused();
  }

  @Override
  protected SSLSessionContext engineGetClientSessionContext() {
    throw refused();
  }
}
