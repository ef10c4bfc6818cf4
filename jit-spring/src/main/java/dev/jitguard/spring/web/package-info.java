/**
 * Spring MVC: a denied {@code @RequiresElevation} call becomes an HTTP 403 {@code application/problem+json} response
 * that a client can act on, and optional REST endpoints to request, approve, deny, withdraw, revoke and extend.
 */
@NullMarked
package dev.jitguard.spring.web;

import org.jspecify.annotations.NullMarked;
