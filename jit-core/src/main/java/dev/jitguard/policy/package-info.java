/**
 * The policy model: per privilege, who is eligible, who is denied, limits on duration and uses, justification and
 * ticket rules, auto-approval conditions and who must approve. {@link dev.jitguard.policy.Policy} is the programmatic
 * implementation of {@link dev.jitguard.spi.ElevationPolicy}.
 */
@NullMarked
package dev.jitguard.policy;

import org.jspecify.annotations.NullMarked;
