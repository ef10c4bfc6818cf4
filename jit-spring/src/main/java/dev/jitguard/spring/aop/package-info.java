/**
 * Enforcement of {@link dev.jitguard.annotation.RequiresElevation} with Spring AOP: the advisor and its method
 * interceptor, the annotation discovery (a security boundary) and the start-up verification that fails the
 * application rather than leave an annotated method unguarded.
 */
@NullMarked
package dev.jitguard.spring.aop;

import org.jspecify.annotations.NullMarked;
