package io.remotellm.st.containers;

import static io.remotellm.st.containers.Manifests.map;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** deploy/compose/compose.yaml as written, or as `docker-compose config` resolved it. */
final class Compose {

  private static final Pattern TCP_PORT = Pattern.compile("/dev/tcp/127\\.0\\.0\\.1/(\\d+)");

  private final Map<String, Object> services;

  private Compose(Map<String, Object> document) {
    this.services = map(document.get("services"), "services");
  }

  static Compose load(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  static Compose parse(String yaml) {
    return new Compose(map(Manifests.yaml().load(yaml), "compose file"));
  }

  Set<String> services() {
    return services.keySet();
  }

  Map<String, String> env(String service) {
    Map<String, String> env = new LinkedHashMap<>();
    map(service(service).get("environment"), service + " environment")
        .forEach((k, v) -> env.put(k, String.valueOf(v)));
    return env;
  }

  /** The container ports a service publishes (short "host:container" or long form). */
  List<Integer> targetPorts(String service) {
    List<Integer> ports = new ArrayList<>();
    for (Object port : (List<?>) service(service).get("ports")) {
      if (port instanceof Map<?, ?> longForm) {
        ports.add(((Number) longForm.get("target")).intValue());
      } else {
        String[] parts = String.valueOf(port).split("/")[0].split(":");
        ports.add(Integer.parseInt(parts[parts.length - 1]));
      }
    }
    return ports;
  }

  /** The health check's command (a CMD list) without the leading "CMD". */
  String[] healthcheck(String service) {
    List<?> test = (List<?>) map(service(service).get("healthcheck"), "healthcheck").get("test");
    if (!"CMD".equals(test.get(0))) {
      throw new AssertionError(service + ": the health check is not a CMD list: " + test);
    }
    return test.subList(1, test.size()).stream().map(String::valueOf).toArray(String[]::new);
  }

  /** The port the health check calls, after checking that the service's env sets the same. */
  int healthPort(String service, String variable) {
    Matcher m = TCP_PORT.matcher(String.join(" ", healthcheck(service)));
    if (!m.find()) {
      throw new AssertionError(service + ": no /dev/tcp port in the health check");
    }
    int port = Integer.parseInt(m.group(1));
    String configured =
        (String) map(service(service).get("environment"), "environment").get(variable);
    if (!String.valueOf(port).equals(configured)) {
      throw new AssertionError(
          service + ": health check on " + port + ", " + variable + "=" + configured);
    }
    return port;
  }

  /** The same command with the port it calls replaced. */
  static String[] onPort(String[] command, int port) {
    String[] moved = command.clone();
    for (int i = 0; i < moved.length; i++) {
      moved[i] = TCP_PORT.matcher(moved[i]).replaceAll("/dev/tcp/127.0.0.1/" + port);
    }
    return moved;
  }

  private Map<String, Object> service(String name) {
    return map(services.get(name), "service " + name);
  }
}
