/**
 * The broker's errors as values, free of JAX-RS types: what went wrong, in the terms of OpenAI's
 * error shape. The {@code api} package turns them into responses and SSE error events.
 */
package io.remotellm.broker.error;
