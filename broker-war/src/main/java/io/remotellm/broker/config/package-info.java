/**
 * The broker's settings, read through MicroProfile Config only (system properties, env variables,
 * the defaults in {@link io.remotellm.broker.config.BrokerSettings}), and the YAML connector config
 * they point to.
 */
package io.remotellm.broker.config;
