/**
 * What the system tests need to run the product as a user would: its launchers as real processes,
 * free ports, logs kept per process for the secret scan, and waits with deadlines.
 */
package io.remotellm.st.support;
