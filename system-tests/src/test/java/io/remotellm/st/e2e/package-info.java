/**
 * The whole path as a user runs it: an OpenAI client, the broker on Payara Micro, connectors as
 * their own processes, and a fake LLM behind them.
 */
package io.remotellm.st.e2e;
