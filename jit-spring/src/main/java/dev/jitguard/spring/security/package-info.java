/** The current subject from Spring Security's {@code Authentication}. Loaded only when Spring Security is present. */
@NullMarked
package dev.jitguard.spring.security;

import org.jspecify.annotations.NullMarked;
