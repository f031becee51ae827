/**
 * Log records with structured fields (request id, connector id, model, status, duration) that the
 * server's JSON log format can turn into JSON fields, through plain JUL.
 */
package io.remotellm.broker.logging;
