/**
 * Tests of the service installers under deploy/: they stage the systemd units, launchd plists and
 * env files into a scratch root, check them with the tools and parsers that will read them on a
 * real machine, and start the product from what they wrote.
 */
package io.remotellm.st.deploy;
