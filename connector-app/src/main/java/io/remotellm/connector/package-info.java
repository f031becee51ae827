/**
 * The RemoteLLM connector: a standalone process next to a local LLM that dials out to the broker
 * and forwards its requests. {@link io.remotellm.connector.ConnectorMain} is the command line, and
 * {@link io.remotellm.connector.Connector} wires the features together.
 */
package io.remotellm.connector;
