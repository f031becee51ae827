/**
 * The broker's launcher for Payara Micro, run by {@code bin/remotellm-broker}: the seed's flags and
 * {@code REMOTELLM_BROKER_*} variables, their defaults and checks ({@link
 * io.remotellm.payaramicro.BrokerSettings}), and the files and command line Payara Micro starts
 * with ({@link io.remotellm.payaramicro.PayaraMicroRun}).
 */
package io.remotellm.payaramicro;
