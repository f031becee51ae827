/**
 * The broker's other API families (Responses, Anthropic Messages) through real broker and connector
 * processes, with the official SDKs and with the README's commands.
 */
package io.remotellm.st.apis;
