package io.remotellm.testsupport;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link FakeLlm} as its own process, for system tests and benchmarks:
 *
 * <pre>
 * java -jar test-support/target/remotellm-test-support-*.jar --port 11434 [--host 127.0.0.1]
 *     [--chunks N] [--chunk-delay-ms N] [--first-byte-delay-ms N] [--status N] [--hang]
 *     [--models a,b] [--no-openai-models] [--no-ollama-tags] [--ollama-version V]
 * </pre>
 *
 * Prints one line, {@code fake-llm listening on http://HOST:PORT}, once it accepts connections, and
 * runs until killed. Script it further at run time through {@code POST /_fake/script}.
 */
public final class FakeLlmMain {
  private FakeLlmMain() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    String host = "127.0.0.1";
    int port = 0;
    JsonObjectBuilder script = Json.createObjectBuilder();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--chunks" -> script.add("chunks", Integer.parseInt(args[++i]));
        case "--chunk-delay-ms" -> script.add("chunk_delay_ms", Long.parseLong(args[++i]));
        case "--first-byte-delay-ms" ->
            script.add("first_byte_delay_ms", Long.parseLong(args[++i]));
        case "--status" -> script.add("status", Integer.parseInt(args[++i]));
        case "--hang" -> script.add("hang", true);
        case "--models" -> {
          JsonArrayBuilder models = Json.createArrayBuilder();
          for (String m : args[++i].split(",")) {
            if (!m.isBlank()) {
              models.add(m.trim());
            }
          }
          script.add("models", models);
        }
        case "--no-openai-models" -> script.add("openai_models", false);
        case "--no-ollama-tags" -> script.add("ollama_tags", false);
        case "--ollama-version" -> script.add("ollama_version", args[++i]);
        case "-h", "--help" -> {
          System.out.println(
              "usage: FakeLlmMain --port N [--host H] [--chunks N] [--chunk-delay-ms N]"
                  + " [--first-byte-delay-ms N] [--status N] [--hang] [--models a,b] [--no-openai-models]"
                  + " [--no-ollama-tags] [--ollama-version V]");
          return;
        }
        default -> {
          System.err.println("fake-llm: unknown option " + arg);
          System.exit(2);
        }
      }
    }
    FakeLlm fake = FakeLlm.start(host, port);
    fake.script(script.build());
    Runtime.getRuntime().addShutdownHook(new Thread(fake::close, "fake-llm-stop"));
    System.out.println("fake-llm listening on http://" + host + ":" + fake.port());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
