/**
 * The broker's settings, read through MicroProfile Config only (system properties, env variables,
 * {@code META-INF/microprofile-config.properties}), and the YAML connector config they point to.
 */
package io.remotellm.broker.config;
