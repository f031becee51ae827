package io.remotellm.connector.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificates a {@code wss://} broker is checked against when the JDK's default CAs will not
 * do (a self-signed or private-CA certificate): PEM files ({@code --ca-cert}) and/or a truststore
 * ({@code --truststore}). Only these are trusted then, as with curl's {@code --cacert}.
 *
 * @param source what was loaded, for logs ("ca-cert /etc/ca.pem (2 certificates)")
 * @param context the TLS context whose trust managers hold exactly these certificates
 */
public record BrokerTrust(String source, SSLContext context) {

  private static final Pattern PEM_CERTIFICATE =
      Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");

  /** Thrown with a message fit for one line on stderr. */
  public static final class TrustException extends Exception {
    private static final long serialVersionUID = 1L;

    TrustException(String message) {
      super(message);
    }
  }

  /**
   * Loads the PEM files and the truststore (either may be absent, not both).
   *
   * @param truststorePassword may be null for a truststore without integrity password
   */
  public static BrokerTrust load(List<Path> caCerts, Path truststore, char[] truststorePassword)
      throws TrustException {
    KeyStore store;
    List<String> sources = new ArrayList<>();
    try {
      if (truststore != null) {
        store = readTruststore(truststore, truststorePassword);
        sources.add("truststore " + truststore + " (" + store.size() + " entries)");
      } else {
        store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
      }
      for (Path pem : caCerts) {
        List<Certificate> certificates = readPem(pem);
        for (int i = 0; i < certificates.size(); i++) {
          store.setCertificateEntry("ca-cert-" + sources.size() + "-" + i, certificates.get(i));
        }
        sources.add(
            "ca-cert "
                + pem
                + " ("
                + certificates.size()
                + (certificates.size() == 1 ? " certificate)" : " certificates)"));
      }
      if (store.size() == 0) {
        throw new TrustException("the truststore " + truststore + " holds no certificates");
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return new BrokerTrust(String.join(", ", sources), context);
    } catch (GeneralSecurityException | IOException e) {
      throw new TrustException("cannot set up TLS trust: " + e.getMessage());
    }
  }

  /** Every certificate in a PEM file (a bundle may hold several; text around them is ignored). */
  static List<Certificate> readPem(Path file) throws TrustException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new TrustException(
          "cannot read --ca-cert " + file + ": " + e.getClass().getSimpleName());
    }
    List<Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Matcher m = PEM_CERTIFICATE.matcher(text);
      while (m.find()) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        certificates.add(factory.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new TrustException(
          "--ca-cert " + file + " holds a certificate that cannot be read: " + e.getMessage());
    }
    if (certificates.isEmpty()) {
      throw new TrustException(
          "--ca-cert " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  private static KeyStore readTruststore(Path file, char[] password) throws TrustException {
    if (!Files.isReadable(file)) {
      throw new TrustException("cannot read --truststore " + file);
    }
    try {
      return KeyStore.getInstance(file.toFile(), password);
    } catch (IOException e) {
      throw new TrustException(
          "cannot open --truststore "
              + file
              + " (wrong --truststore-password?): "
              + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new TrustException("cannot open --truststore " + file + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "BrokerTrust[" + source + "]";
  }
}
