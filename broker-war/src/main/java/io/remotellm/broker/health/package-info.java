/**
 * MicroProfile Health: liveness (the broker runs) and readiness (it can serve: a connector is
 * attached and user API keys are configured or anonymous access is on), with the seed's health
 * fields as check data.
 */
package io.remotellm.broker.health;
