/**
 * The basement below the API: checks and escaping of user text, canonical identifiers and random ids. Not API; the
 * API value types validate through it.
 */
@NullMarked
package dev.jitguard.internal.util;

import org.jspecify.annotations.NullMarked;
