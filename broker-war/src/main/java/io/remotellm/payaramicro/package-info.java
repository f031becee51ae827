/**
 * Launch-time helpers for running the broker on Payara Micro, packaged apart from the WAR (as
 * {@code remotellm-broker-payara-micro-logging.jar}) for {@code bin/remotellm-broker}.
 */
package io.remotellm.payaramicro;
