/**
 * The admin page ({@code /admin}) and its JSON API ({@code /admin/api/}): what the broker is doing
 * (connectors, models, users, traffic, errors) and the actions an admin takes (user keys created,
 * changed and revoked, connector tokens revoked), each audited with the admin key's fingerprint.
 */
package io.remotellm.broker.admin;
