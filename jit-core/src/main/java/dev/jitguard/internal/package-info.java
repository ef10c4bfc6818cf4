/**
 * Implementation details of JIT Guard. Not API: anything here may change in any release. Obtain implementations
 * through the static factories of the API and SPI types.
 */
@NullMarked
package dev.jitguard.internal;

import org.jspecify.annotations.NullMarked;
