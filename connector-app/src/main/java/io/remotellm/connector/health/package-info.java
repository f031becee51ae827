/**
 * The connector's health port: {@code /health} (relay and LLM state, models, uptime) and {@code
 * /ready} (both up), on the JDK's HTTP server, for systemd, load balancers and people.
 */
package io.remotellm.connector.health;
