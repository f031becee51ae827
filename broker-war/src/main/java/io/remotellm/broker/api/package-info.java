/**
 * The OpenAI-compatible HTTP API under {@code /v1}: request ids, key checks, body inspection, the
 * chat-completions and models resources, the SSE and async response sinks, and the mappers that
 * give every error OpenAI's shape.
 */
package io.remotellm.broker.api;
