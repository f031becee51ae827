/**
 * Forwarding to the LLM: requests from the relay go out with Jetty's {@code HttpClient}
 * asynchronously (no thread per request; the availability probe and API detection keep the JDK's
 * {@code java.net.http.HttpClient}), answers come back as {@code head}, {@code data} per SSE event
 * or body piece, and {@code end} or {@code error}; capacity, cancellation and the LLM's
 * availability probe live here too.
 */
package io.remotellm.connector.llm;
