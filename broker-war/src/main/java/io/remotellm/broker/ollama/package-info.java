/**
 * Ollama's native API under {@code /api}, for clients that speak only it (Open WebUI's Ollama
 * connection, Continue's ollama provider): its own servlet, since the JAX-RS application lives
 * under {@code /v1} and NDJSON is no SSE. Chat, generate, embed and show are relayed by model like
 * the OpenAI calls; version, tags and ps are answered here; model management is refused. Errors
 * come in Ollama's shape {@code {"error":"..."}}.
 */
package io.remotellm.broker.ollama;
