/**
 * What an operator relies on, run as an operator would: the broker's JSON log lines carry the
 * request id, SIGTERM lets running streams finish, and TLS with a certificate of one's own.
 */
package io.remotellm.st.ops;
