/** Several brokers as one on Payara's data grid (issue 15), as real processes on loopback. */
package io.remotellm.st.cluster;
