/**
 * The relay protocol spoken on the WebSocket between broker and connector (version 1): one record
 * per frame type, and the codec both sides use to turn them into JSON text frames and back.
 */
package io.remotellm.protocol;
