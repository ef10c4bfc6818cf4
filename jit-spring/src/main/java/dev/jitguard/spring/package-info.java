/**
 * The Spring integration's API: who the current subject is ({@link dev.jitguard.spring.SubjectResolver}), the
 * programmatic guard for code that no proxy can intercept ({@link dev.jitguard.spring.ElevationChecks}), and the
 * hooks that customise the guard and observe its checks.
 */
@NullMarked
package dev.jitguard.spring;

import org.jspecify.annotations.NullMarked;
