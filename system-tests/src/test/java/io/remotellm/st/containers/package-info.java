/**
 * The container images (deploy/containers), the compose file (deploy/compose) and the Kubernetes
 * manifests (deploy/kubernetes), checked with podman on a base image built locally.
 */
package io.remotellm.st.containers;
