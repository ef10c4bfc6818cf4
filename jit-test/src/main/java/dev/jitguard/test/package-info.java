/**
 * The JIT Guard test kit: a controllable clock ({@link dev.jitguard.test.TestClock}), ready in-memory guards
 * ({@link dev.jitguard.test.TestGuards}), a JUnit 5 extension and abstract contract suites for the SPIs.
 */
@NullMarked
package dev.jitguard.test;

import org.jspecify.annotations.NullMarked;
