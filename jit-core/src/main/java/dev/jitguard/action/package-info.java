/**
 * JIT action approval: one exact operation, bound to its exact arguments, approved before it runs, once.
 * {@link dev.jitguard.action.ActionBinding} names the operation and carries the canonical digest of its arguments
 * ({@link dev.jitguard.action.CanonicalArguments}) and a preview for the approver.
 */
@NullMarked
package dev.jitguard.action;

import org.jspecify.annotations.NullMarked;
