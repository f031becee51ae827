/** The README's first command, run as a user runs it. */
package io.remotellm.st.demo;
