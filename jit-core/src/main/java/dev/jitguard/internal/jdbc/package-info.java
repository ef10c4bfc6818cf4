/**
 * JDBC plumbing of the JDBC grant store and audit sink: connections, transactions and timeouts, the JSON columns,
 * and the feed of grant changes (PostgreSQL LISTEN/NOTIFY, H2 polling). Not API.
 */
@NullMarked
package dev.jitguard.internal.jdbc;

import org.jspecify.annotations.NullMarked;
