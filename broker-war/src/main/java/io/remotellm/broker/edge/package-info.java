/**
 * Where the API families differ, one class per family: how the user's key arrives, which of the
 * client's headers must reach the LLM, the error shape, and how a stream is ended or broken off.
 * Everything else (routing, limits, keep-alives, cancel, logging) is shared. {@link
 * io.remotellm.broker.edge.ApiEdges} picks the edge of a request by its path; a new family is a new
 * {@link io.remotellm.broker.edge.ApiEdge} listed there.
 */
package io.remotellm.broker.edge;
