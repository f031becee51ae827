/**
 * Model-based routing: which live connectors serve a model, and which of them takes the next
 * request (fewest requests in flight, ties taken in turn). The router owns the in-flight counts.
 */
package io.remotellm.broker.routing;
