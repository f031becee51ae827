/**
 * The connector's configuration: one immutable record, read once from the command line and the
 * {@code REMOTELLM_*} environment variables named in the seed's "Connector Options" table.
 */
package io.remotellm.connector.config;
