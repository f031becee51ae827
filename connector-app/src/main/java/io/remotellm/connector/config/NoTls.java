package io.remotellm.connector.config;

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
 * A TLS context for a client that only ever speaks plain HTTP (the LLM at an {@code http://} URL,
 * brokers at {@code ws://} URLs): every use fails, so a TLS connection through it (which the client
 * never opens to such a URL, and it follows no redirects) cannot happen unverified. Built plainly,
 * an {@link java.net.http.HttpClient} sets up the JDK's default TLS context at once, whatever the
 * URL: the TLS stack and every CA certificate of the JDK, about 7 MB of the connector's idle
 * footprint of 60 MB.
 */
public final class NoTls extends SSLContextSpi {
  public static final SSLContext CONTEXT =
      new SSLContext(
          new NoTls(),
          new Provider(
              "remotellm-no-tls",
              "1",
              "no TLS: this client speaks plain http:// and ws:// only") {},
          "none") {};

  private static UnsupportedOperationException refused() {
    return new UnsupportedOperationException(
        "no TLS: this client speaks plain http:// and ws:// only");
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
