package io.remotellm.broker.users;

import io.remotellm.broker.config.ConfigurationException;
import io.remotellm.broker.limits.Limits;
import io.remotellm.protocol.Fingerprint;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the users file:
 *
 * <pre>
 * defaults: {requests_per_minute: 120}
 * users:
 *   - name: alice
 *     api_key: "sk-alice-..."        # or api_key_sha256: "&lt;64 hex digits&gt;"
 *     models: ["llama3.2", "qwen3*"]  # optional allow-list, globs
 *     requests_per_minute: 60         # tokens_per_minute, tokens_per_day, max_concurrent
 * </pre>
 *
 * A user's limit overrides the default of that kind; 0 is no limit. Unknown fields are errors (a
 * misspelt limit would otherwise silently not apply). Errors name the file and the place, never a
 * value: the file holds keys.
 */
public final class UserConfigParser {

  static final Set<String> LIMITS =
      Set.of("requests_per_minute", "tokens_per_minute", "tokens_per_day", "max_concurrent");
  private static final Set<String> USER_FIELDS =
      Set.of(
          "name",
          "api_key",
          "api_key_sha256",
          "models",
          "requests_per_minute",
          "tokens_per_minute",
          "tokens_per_day",
          "max_concurrent");

  /** Names are metric labels and log fields: short, plain, and never mistaken for a key's name. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

  /** Whether {@code name} is a name a user may have (the broker's own names aside). */
  public static boolean validName(String name) {
    return name != null
        && NAME.matcher(name).matches()
        && !name.startsWith(User.UNNAMED_PREFIX)
        && !name.equals(User.ANONYMOUS);
  }

  private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

  /** The parsed file: the defaults (for keys without a name too) and the named users. */
  public record UserConfig(Limits defaults, List<UserEntry> users) {
    public static final UserConfig EMPTY = new UserConfig(Limits.NONE, List.of());
  }

  public UserConfig parse(String yamlText, String source) {
    String file = "users file " + source;
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
      throw new ConfigurationException(file + " is not valid YAML" + where + ": " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigurationException(file + " is not valid YAML");
    }
    if (root == null) {
      return UserConfig.EMPTY;
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigurationException(file + " must be a mapping with a 'users' list");
    }
    for (Object key : map.keySet()) {
      if (!"defaults".equals(key) && !"users".equals(key)) {
        throw new ConfigurationException(
            file + ": unknown field '" + key + "' (expected 'defaults' and 'users')");
      }
    }
    Limits defaults = Limits.NONE;
    Object d = map.get("defaults");
    if (d != null) {
      if (!(d instanceof Map<?, ?> dm)) {
        throw new ConfigurationException(file + ": 'defaults' must be a mapping of limits");
      }
      for (Object key : dm.keySet()) {
        if (!LIMITS.contains(String.valueOf(key))) {
          throw new ConfigurationException(
              file + ": defaults: unknown field '" + key + "' (expected " + LIMITS + ")");
        }
      }
      defaults = limits(dm, Limits.NONE, file + ": defaults");
    }
    Object users = map.get("users");
    if (users == null) {
      return new UserConfig(defaults, List.of());
    }
    if (!(users instanceof List<?> list)) {
      throw new ConfigurationException(file + ": 'users' must be a list");
    }
    List<UserEntry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> digests = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String where = file + ": users[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> item)) {
        throw new ConfigurationException(where + " must be a mapping with a 'name'");
      }
      UserEntry entry = entry(item, defaults, where);
      if (!names.add(entry.user().name())) {
        throw new ConfigurationException(where + ": the name is used twice");
      }
      if (!digests.add(HexFormat.of().formatHex(entry.keyDigest()))) {
        throw new ConfigurationException(where + ": the same key as an earlier user");
      }
      entries.add(entry);
    }
    return new UserConfig(defaults, List.copyOf(entries));
  }

  private static UserEntry entry(Map<?, ?> item, Limits defaults, String where) {
    for (Object key : item.keySet()) {
      if (!USER_FIELDS.contains(String.valueOf(key))) {
        throw new ConfigurationException(where + ": unknown field '" + key + "'");
      }
    }
    Object name = item.get("name");
    if (!(name instanceof String n) || !NAME.matcher(n).matches()) {
      throw new ConfigurationException(
          where
              + ": 'name' must be 1 to 64 characters of A-Z a-z 0-9 . _ @ - (not starting with"
              + " . _ @ -)");
    }
    if (n.startsWith(User.UNNAMED_PREFIX) || n.equals(User.ANONYMOUS)) {
      throw new ConfigurationException(
          where + ": names 'anonymous' and 'key-...' are the broker's own");
    }
    where = where + " (" + n + ")";
    Object key = item.get("api_key");
    Object digest = item.get("api_key_sha256");
    byte[] keyDigest;
    if ((key == null) == (digest == null)) {
      throw new ConfigurationException(
          where + ": needs exactly one of 'api_key', 'api_key_sha256'");
    } else if (key != null) {
      if (!(key instanceof String k) || k.isBlank()) {
        throw new ConfigurationException(where + ": 'api_key' must be a non-empty string");
      }
      keyDigest = Fingerprint.sha256(k);
    } else {
      if (!(digest instanceof String h) || !SHA256.matcher(h).matches()) {
        throw new ConfigurationException(
            where + ": 'api_key_sha256' must be 64 hex digits (sha256sum of the key)");
      }
      keyDigest = HexFormat.of().parseHex(h.toLowerCase(java.util.Locale.ROOT));
    }
    ModelAllowList models = ModelAllowList.ANY;
    Object m = item.get("models");
    if (m != null) {
      if (!(m instanceof List<?> globs)
          || globs.stream().anyMatch(g -> !(g instanceof String s) || s.isEmpty())) {
        throw new ConfigurationException(where + ": 'models' must be a list of model names");
      }
      models = ModelAllowList.of(globs.stream().map(String.class::cast).toList());
    }
    return new UserEntry(keyDigest, new User(n, limits(item, defaults, where), models));
  }

  private static Limits limits(Map<?, ?> map, Limits base, String where) {
    return new Limits(
        limit(map, "requests_per_minute", base.requestsPerMinute(), where),
        limit(map, "tokens_per_minute", base.tokensPerMinute(), where),
        limit(map, "tokens_per_day", base.tokensPerDay(), where),
        limit(map, "max_concurrent", base.maxConcurrent(), where));
  }

  private static long limit(Map<?, ?> map, String name, long fallback, String where) {
    if (!map.containsKey(name)) {
      return fallback;
    }
    Object value = map.get(name);
    if (value instanceof Integer || value instanceof Long) {
      long n = ((Number) value).longValue();
      if (n >= 0) {
        return n;
      }
    } else if (value instanceof BigInteger) {
      throw new ConfigurationException(where + ": '" + name + "' is too large");
    }
    throw new ConfigurationException(where + ": '" + name + "' must be a whole number, 0 or more");
  }
}
