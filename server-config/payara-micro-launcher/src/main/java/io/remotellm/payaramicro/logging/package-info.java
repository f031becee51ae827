/**
 * The log manager Payara Micro's JVM runs with, packaged alone (as {@code
 * remotellm-payara-micro-logging.jar}) because it goes on the boot class path.
 */
package io.remotellm.payaramicro.logging;
