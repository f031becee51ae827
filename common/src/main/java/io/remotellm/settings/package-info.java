/**
 * What the broker's launcher, the broker WAR and the connector share about settings: the names and
 * defaults both sides of a setting must agree on, and the env file format the installers write.
 * Plain Java with no dependencies, so the launcher can carry it without the protocol's JSON-B.
 */
package io.remotellm.settings;
