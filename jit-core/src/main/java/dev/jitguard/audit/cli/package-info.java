/**
 * The command-line audit verifier, {@link dev.jitguard.audit.cli.VerifyCommand}: checks a log, prints the verdict as
 * text or JSON, exits with a code per verdict, and prints the timeline of a request or grant.
 */
@NullMarked
package dev.jitguard.audit.cli;

import org.jspecify.annotations.NullMarked;
