/**
 * Framework-neutral annotations. {@link dev.jitguard.annotation.RequiresElevation} marks methods that run only under
 * a just-in-time elevation; {@code jit-spring} enforces it.
 */
@NullMarked
package dev.jitguard.annotation;

import org.jspecify.annotations.NullMarked;
