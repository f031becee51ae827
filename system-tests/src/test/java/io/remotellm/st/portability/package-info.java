/**
 * The same unchanged broker WAR on other application servers (WildFly, Open Liberty; Payara Micro
 * for comparison), set up only through the files under {@code server-config/}, and the same
 * black-box checks on each: chat with and without streaming, models, auth, a connector attached
 * over the WebSocket, MicroProfile Health, and the request id in a JSON line of the server's log.
 * Maven profiles {@code -Pwildfly} and {@code -Pliberty} fetch a server and run these ITs.
 */
package io.remotellm.st.portability;
