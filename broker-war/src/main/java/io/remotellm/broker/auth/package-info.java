/**
 * Who may talk to the broker: user API keys for the HTTP API, connector tokens for the relay
 * socket. Secrets are held as SHA-256 digests, compared in constant time, and only ever logged as a
 * fingerprint.
 */
package io.remotellm.broker.auth;
