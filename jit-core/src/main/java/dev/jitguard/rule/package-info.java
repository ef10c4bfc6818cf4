/**
 * The rule model: for one privilege or prefix, who is eligible and who is denied, what a request must carry and may
 * ask for, who must approve, how pending requests escalate, and whether break-glass is allowed. The SPI speaks it
 * ({@link dev.jitguard.spi.ElevationPolicy#ruleFor}); it depends on nothing but the API values. Its fields, as policy
 * documents and properties spell them, are defined once in {@link dev.jitguard.rule.RuleField}.
 */
@NullMarked
package dev.jitguard.rule;

import org.jspecify.annotations.NullMarked;
