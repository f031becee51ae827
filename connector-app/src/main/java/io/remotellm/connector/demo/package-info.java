/**
 * The built-in demo model ({@code --llm-url demo}): a deterministic echo, streaming and not, so the
 * whole product can be tried without an LLM. It says it is a demo wherever it shows up.
 */
package io.remotellm.connector.demo;
