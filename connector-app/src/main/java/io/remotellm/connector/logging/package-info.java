/**
 * JSON-lines logging on JUL: one object per line with ts, level, logger, msg and fields such as
 * request_id; secrets appear only as fingerprints.
 */
package io.remotellm.connector.logging;
