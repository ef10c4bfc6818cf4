/**
 * JMH benchmarks of the guard's hot path, each next to a floor measured in the same run (see docs/benchmarks.md for
 * the commands and the figures). Not published; run by hand from {@code jit-benchmarks/target/benchmarks.jar}.
 */
@NullMarked
package dev.jitguard.benchmarks;

import org.jspecify.annotations.NullMarked;
