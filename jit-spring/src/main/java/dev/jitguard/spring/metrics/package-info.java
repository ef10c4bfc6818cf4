/**
 * Micrometer metrics and observations: counters of check decisions and audit events, gauges of active grants and
 * pending requests, and an observation per denied (optionally every) check.
 */
@NullMarked
package dev.jitguard.spring.metrics;

import org.jspecify.annotations.NullMarked;
