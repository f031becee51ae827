package io.remotellm.broker.users;

/**
 * One user of the users file: the SHA-256 of their key (the file may hold the key or only its
 * digest) and who they are.
 */
public record UserEntry(byte[] keyDigest, User user) {

  /** Never shows the digest: records print their fields by default. */
  @Override
  public String toString() {
    return "UserEntry[" + user.name() + "]";
  }
}
