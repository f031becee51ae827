package io.remotellm.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's {@code keytool}, for tests that need real certificates: a self-signed one for this
 * machine (127.0.0.1 and localhost, nothing else, so a test can also reach it under a name it does
 * not carry), its PEM, or any other command.
 */
public final class Keytool {
  private Keytool() {}

  /** A PKCS12 keystore at {@code keystore} with a self-signed EC certificate for this machine. */
  public static void selfSigned(String alias, Path keystore, String password)
      throws IOException, InterruptedException {
    run(
        "-genkeypair",
        "-alias",
        alias,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-validity",
        "2",
        "-dname",
        "CN=" + alias,
        "-ext",
        "san=ip:127.0.0.1,dns:localhost",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        password,
        "-keypass",
        password);
  }

  /** The certificate of {@code alias}, as PEM, written to {@code pem}. */
  public static void exportPem(String alias, Path keystore, String password, Path pem)
      throws IOException, InterruptedException {
    run(
        "-exportcert",
        "-rfc",
        "-alias",
        alias,
        "-keystore",
        keystore.toString(),
        "-storepass",
        password,
        "-file",
        pem.toString());
  }

  /** Runs keytool with {@code args}; fails with its output unless it exits 0 within a minute. */
  public static void run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("keytool " + args[0] + " did not finish within 60 s");
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          "keytool " + args[0] + " exited " + process.exitValue() + ": " + output);
    }
  }
}
