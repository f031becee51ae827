/**
 * Who calls the API: {@link io.remotellm.broker.users.UserDirectory} maps keys (the users file's
 * and {@code --user-api-key}'s) to {@link io.remotellm.broker.users.User}s with their model
 * allow-list and limits; {@link io.remotellm.broker.users.UserConfigReloader} puts an edited users
 * file in force while the broker runs.
 */
package io.remotellm.broker.users;
