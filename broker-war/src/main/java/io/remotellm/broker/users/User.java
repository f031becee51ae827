package io.remotellm.broker.users;

import io.remotellm.broker.limits.Limits;

/**
 * Someone who may call the API: a named entry of the users file, a key from {@code --user-api-key}
 * (named {@code key-<fingerprint>}), or anyone at all under anonymous access.
 *
 * @param name what logs, metrics and the ledger show; never the key
 * @param limits this user's limits, the file's {@code defaults} filled in
 * @param models the models this user may call
 */
public record User(String name, Limits limits, ModelAllowList models) {

  /** The caller under anonymous access (no key configured or sent). */
  public static final String ANONYMOUS = "anonymous";

  /** Prefix of the names given to keys from {@code --user-api-key}, which have none. */
  public static final String UNNAMED_PREFIX = "key-";
}
