/**
 * The admin page in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}, driven by Selenium) against the real broker and connectors.
 */
package io.remotellm.st.admin;
