/**
 * A plain-Java example of JIT action approval: one exact call (erase customer 42) approved by a privacy officer,
 * run once; other arguments, a second run and park-and-resume for a background job.
 */
package dev.jitguard.examples.action;
