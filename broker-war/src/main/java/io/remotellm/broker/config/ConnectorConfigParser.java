package io.remotellm.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the seed's connector config:
 *
 * <pre>
 * connectors:
 *   - token: "connector-token-1"
 *     llm_api_key: "sk-..."   # optional
 * </pre>
 *
 * Errors name the file and the place, never a value (the file holds secrets).
 */
public final class ConnectorConfigParser {

  public List<ConnectorEntry> parse(String yamlText, String source) {
    Object root;
    try {
      // SafeConstructor: the file is data, it must not be able to instantiate classes.
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yamlText);
    } catch (MarkedYAMLException e) {
      var mark = e.getProblemMark();
      String where =
          mark == null
              ? ""
              : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      throw new ConfigurationException(
          "connector config " + source + " is not valid YAML" + where + ": " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigurationException("connector config " + source + " is not valid YAML");
    }
    if (root == null) {
      return List.of();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigurationException(
          "connector config " + source + " must be a mapping with a 'connectors' list");
    }
    Object connectors = map.get("connectors");
    if (connectors == null) {
      return List.of();
    }
    if (!(connectors instanceof List<?> list)) {
      throw new ConfigurationException(
          "connector config " + source + ": 'connectors' must be a list");
    }
    List<ConnectorEntry> entries = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = "connector config " + source + ": connectors[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> item)) {
        throw new ConfigurationException(where + " must be a mapping with a 'token'");
      }
      Object token = item.get("token");
      if (token == null
          || token.toString().isBlank()
          || token instanceof Map
          || token instanceof List) {
        throw new ConfigurationException(where + " has no 'token'");
      }
      Object key = item.get("llm_api_key");
      if (key instanceof Map || key instanceof List) {
        throw new ConfigurationException(where + ": 'llm_api_key' must be a string");
      }
      entries.add(
          new ConnectorEntry(token.toString(), Optional.ofNullable(key).map(Object::toString)));
    }
    return List.copyOf(entries);
  }
}
