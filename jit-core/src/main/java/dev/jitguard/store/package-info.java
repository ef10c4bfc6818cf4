/**
 * The JDBC grant store, {@link dev.jitguard.store.JdbcGrantStore} (PostgreSQL or H2, shared by several instances),
 * with its schema scripts next to it in the jar. The in-memory default is {@link dev.jitguard.spi.GrantStore#inMemory()}.
 */
@NullMarked
package dev.jitguard.store;

import org.jspecify.annotations.NullMarked;
