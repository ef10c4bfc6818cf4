/**
 * Where rules come from: {@link dev.jitguard.policy.Policy}, the programmatic {@link dev.jitguard.spi.ElevationPolicy},
 * policy documents in JSON or YAML ({@link dev.jitguard.policy.PolicyDocuments}) and their reloading
 * ({@link dev.jitguard.policy.ReloadingPolicy}), and rules written as flat properties such as Spring's
 * {@code jit.policy.rules} ({@link dev.jitguard.policy.RuleProperties}); documents and properties are read through
 * the one table of rule fields, {@link dev.jitguard.rule.RuleField}. The rules themselves are the model of
 * {@link dev.jitguard.rule}.
 */
@NullMarked
package dev.jitguard.policy;

import org.jspecify.annotations.NullMarked;
