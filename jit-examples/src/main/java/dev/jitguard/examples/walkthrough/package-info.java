/**
 * A plain-Java walkthrough of one just-in-time elevation, end to end, on the in-memory defaults: denied, requested,
 * self-approval refused, approved by a second person, used, expired, denied again; then the audit trail.
 */
package dev.jitguard.examples.walkthrough;
