/**
 * Grant store implementations: {@link dev.jitguard.store.InMemoryGrantStore} (Caffeine) and
 * {@link dev.jitguard.store.JdbcGrantStore} (PostgreSQL or H2, shared by several instances), with the schema scripts
 * of the latter next to it in the jar.
 */
@NullMarked
package dev.jitguard.store;

import org.jspecify.annotations.NullMarked;
