package io.remotellm.st.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests under deploy/kubernetes, read as YAML: every document must parse and
 * name its kind; what the test needs (a Deployment's container, its ports, env and probes, a
 * Service's port) is looked up by name, and a missing piece fails with what was looked for.
 */
final class Manifests {

  private final List<Map<String, Object>> documents;
  private final Path dir;

  private Manifests(Path dir, List<Map<String, Object>> documents) {
    this.dir = dir;
    this.documents = documents;
  }

  static Manifests load(Path dir) throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).as("manifests in " + dir).isNotEmpty();
    for (Path file : files) {
      for (Object document : yaml().loadAll(Files.readString(file))) {
        if (document == null) {
          continue;
        }
        Map<String, Object> map = map(document, file + ": a document");
        assertThat(map).as(file.toString()).containsKeys("apiVersion", "kind", "metadata");
        assertThat(map(map.get("metadata"), "metadata")).as(file.toString()).containsKey("name");
        conformsToTheKubernetesApi(file, map);
        documents.add(map);
      }
    }
    return new Manifests(dir, documents);
  }

  /**
   * Reads a document with the Kubernetes API's own model classes, whose reader refuses a field the
   * API does not have (a misspelt {@code readinesProbe} would otherwise be silently ignored by a
   * YAML parse, and by an older kubectl) and a value of the wrong type.
   */
  static void conformsToTheKubernetesApi(Path file, Map<String, Object> document) {
    String json = new Gson().toJson(document);
    String kind = String.valueOf(document.get("kind"));
    try {
      switch (kind) {
        case "Deployment" -> V1Deployment.fromJson(json);
        case "Service" -> V1Service.fromJson(json);
        case "Secret" -> V1Secret.fromJson(json);
        case "PersistentVolumeClaim" -> V1PersistentVolumeClaim.fromJson(json);
        default -> throw new AssertionError(file + ": no check for kind " + kind + " here yet");
      }
    } catch (IOException | RuntimeException e) {
      throw new AssertionError(file + ": not a valid " + kind + ": " + e.getMessage(), e);
    }
  }

  static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  /** The stringData of the example Secret (not applied by kubectl: its name ends in .example). */
  Map<String, String> exampleSecret() {
    try {
      Map<String, Object> secret =
          map(yaml().load(Files.readString(dir.resolve("secret.yaml.example"))), "secret");
      assertThat(secret.get("kind")).isEqualTo("Secret");
      conformsToTheKubernetesApi(dir.resolve("secret.yaml.example"), secret);
      Map<String, String> data = new LinkedHashMap<>();
      map(secret.get("stringData"), "stringData").forEach((k, v) -> data.put(k, String.valueOf(v)));
      return data;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Pod pod(String deployment) {
    return pod(deployment, null);
  }

  /** A Deployment's pod, seen through one container (the first when {@code container} is null). */
  Pod pod(String deployment, String container) {
    Map<String, Object> spec =
        map(
            map(map(find("Deployment", deployment).get("spec"), "spec").get("template"), "template")
                .get("spec"),
            "pod spec");
    List<Map<String, Object>> containers = list(spec.get("containers"), "containers");
    Map<String, Object> chosen =
        containers.stream()
            .filter(c -> container == null || container.equals(c.get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError(deployment + " has no container " + container));
    return new Pod(spec, chosen);
  }

  /** The port of a Service, after checking that it targets a named port. */
  int servicePort(String name) {
    Map<String, Object> port =
        list(map(find("Service", name).get("spec"), "spec").get("ports"), "ports").get(0);
    assertThat(port.get("targetPort")).as(name + " targetPort").isEqualTo("http");
    return ((Number) port.get("port")).intValue();
  }

  private Map<String, Object> find(String kind, String name) {
    return documents.stream()
        .filter(d -> kind.equals(d.get("kind")))
        .filter(d -> name.equals(map(d.get("metadata"), "metadata").get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + dir));
  }

  record Probe(String path, int port) {}

  /** A pod spec and one of its containers. */
  record Pod(Map<String, Object> spec, Map<String, Object> container) {

    int port(String name) {
      return list(container.get("ports"), "ports").stream()
          .filter(p -> name.equals(p.get("name")))
          .map(p -> ((Number) p.get("containerPort")).intValue())
          .findFirst()
          .orElseThrow(() -> new AssertionError("no port named " + name));
    }

    /** An httpGet or tcpSocket probe; a named port is resolved to its number. */
    Probe probe(String kind) {
      Map<String, Object> probe = map(container.get(kind), kind);
      Map<String, Object> action =
          probe.containsKey("httpGet")
              ? map(probe.get("httpGet"), "httpGet")
              : map(probe.get("tcpSocket"), kind + " httpGet or tcpSocket");
      Object port = action.get("port");
      int number = port instanceof Number n ? n.intValue() : port(String.valueOf(port));
      return new Probe((String) action.get("path"), number);
    }

    /** The container's env, with secretKeyRef values taken from {@code secret}. */
    Map<String, String> env(Map<String, String> secret) {
      Map<String, String> env = new LinkedHashMap<>();
      for (Map<String, Object> var : list(container.get("env"), "env")) {
        String name = (String) var.get("name");
        if (var.containsKey("value")) {
          env.put(name, String.valueOf(var.get("value")));
        } else {
          String key =
              (String)
                  map(
                          map(var.get("valueFrom"), "valueFrom").get("secretKeyRef"),
                          name + " secretKeyRef")
                      .get("key");
          assertThat(secret).as("the Secret has " + key + " for " + name).containsKey(key);
          env.put(name, secret.get(key));
        }
      }
      return env;
    }

    String mountPath(String volume) {
      return list(container.get("volumeMounts"), "volumeMounts").stream()
          .filter(m -> volume.equals(m.get("name")))
          .map(m -> (String) m.get("mountPath"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no mount of " + volume));
    }

    /** runAsUser:runAsGroup, from the container or else the pod's securityContext. */
    String user() {
      Map<String, Object> context = securityContext("runAsUser");
      return context.get("runAsUser") + ":" + context.get("runAsGroup");
    }

    /** The container's memory limit in podman's notation ("1Gi" is "1g"), if it has one. */
    Optional<String> memoryLimit() {
      Object resources = container.get("resources");
      if (resources == null || !map(resources, "resources").containsKey("limits")) {
        return Optional.empty();
      }
      Object memory = map(map(resources, "resources").get("limits"), "limits").get("memory");
      if (memory == null) {
        return Optional.empty();
      }
      String quantity = String.valueOf(memory);
      if (!quantity.matches("\\d+(Mi|Gi)")) {
        throw new AssertionError("memory limit " + quantity + ": only Mi and Gi are read here");
      }
      return Optional.of(quantity.replace("Mi", "m").replace("Gi", "g"));
    }

    boolean readOnlyRoot() {
      return Boolean.TRUE.equals(
          securityContext("readOnlyRootFilesystem").get("readOnlyRootFilesystem"));
    }

    int terminationGraceSeconds() {
      return ((Number) spec.get("terminationGracePeriodSeconds")).intValue();
    }

    private Map<String, Object> securityContext(String key) {
      Object own = container.get("securityContext");
      if (own != null && map(own, "securityContext").containsKey(key)) {
        return map(own, "securityContext");
      }
      return map(spec.get("securityContext"), "pod securityContext with " + key);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value, String what) {
    if (!(value instanceof Map)) {
      throw new AssertionError(what + " is not a mapping: " + value);
    }
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object value, String what) {
    if (!(value instanceof List)) {
      throw new AssertionError(what + " is not a list: " + value);
    }
    return (List<Map<String, Object>>) value;
  }
}
