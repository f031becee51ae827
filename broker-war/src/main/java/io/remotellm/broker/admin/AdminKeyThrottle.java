package io.remotellm.broker.admin;

import io.remotellm.broker.auth.LoginThrottle;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

/**
 * Failed admin-key attempts per caller, counted apart from connector logins (a connector's failures
 * must not lock the operator out, nor the other way round) under the same settings ({@code
 * login-free-failures}, {@code login-max-delay-seconds}). {@code @Typed} keeps it from also being
 * the {@link LoginThrottle} bean the connector login injects.
 */
@ApplicationScoped
@Typed(AdminKeyThrottle.class)
public class AdminKeyThrottle extends LoginThrottle {}
