package dev.jitguard.store;

import dev.jitguard.RequestRecord;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.spi.RequestPosition;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The grant store's paged listings in SQL: the condition of each, then a keyset page ({@code (created_at, id)}
 * strictly after the last row read, {@code ORDER BY created_at, id LIMIT ?}), each on an index of the schema scripts
 * ({@code jitguard_requests_pending}, {@code jitguard_requests_open_review} / {@code jitguard_requests_review}).
 */
final class ListingQueries {
  private ListingQueries() {}

  /**
   * A query with its parameters (strings, longs and ints) and what it does, for messages.
   *
   * @param operation what it does
   * @param sql the select
   * @param params its parameters
   */
  record Query(String operation, String sql, Object[] params) { }

  /**
   * Where a row sits in listing order, as stored: its {@code created_at} (epoch milliseconds) and its id, raw, so
   * that a row whose id or other columns do not parse still moves a page forward.
   *
   * @param createdAtMillis the row's {@code created_at}
   * @param id the row's id as stored
   */
  record Key(long createdAtMillis, String id) {
    static @Nullable Key of(@Nullable RequestPosition p) {
      return p == null ? null : new Key(p.createdAt().toEpochMilli(), p.id().value());
    }
  }

  /**
   * Pending requests of the privileges the patterns cover: {@code status = 'PENDING'} and the privilege equal to an
   * exact pattern or strictly below a prefix, compared in the "C" collation on PostgreSQL (as the index is built), so
   * that a prefix is the plain range {@code ['base.', 'base/')} ('/' follows '.') in any database collation.
   *
   * @param patterns at least one
   */
  static Query pendingFor(JdbcDialect dialect, Collection<PrivilegePattern> patterns, @Nullable Key after,
      int limit) {
    positive(limit);
    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder(" WHERE status = 'PENDING' AND (");
    String column = dialect == JdbcDialect.POSTGRESQL ? "privilege COLLATE \"C\"" : "privilege";
    String or = "";
    for (PrivilegePattern p : new TreeSet<>(patterns)) {
      where.append(or);
      if (p.isWildcard()) {
        where.append('(').append(column).append(" >= ? AND ").append(column).append(" < ?)");
        params.add(p.base() + ".");
        params.add(p.base() + "/");
      } else {
        where.append(column).append(" = ?");
        params.add(p.value());
      }
      or = " OR ";
    }
    where.append(')');
    return page("list pending requests for " + patterns.size() + " privilege patterns", where, params, after, limit);
  }

  /** Break-glass requests whose review is open. */
  static Query openReviews(@Nullable Key after, int limit) {
    positive(limit);
    return page("list open break-glass reviews", new StringBuilder(" WHERE " + GrantTables.OPEN_REVIEW),
        new ArrayList<>(), after, limit);
  }

  private static Query page(String operation, StringBuilder where, List<Object> params, @Nullable Key after,
      int limit) {
    if (after != null) {
      long at = after.createdAtMillis();
      // Written so that created_at >= ? is an index condition, the rest a filter on the first rows only.
      where.append(" AND created_at >= ? AND (created_at > ? OR id > ?)");
      params.add(at);
      params.add(at);
      params.add(after.id());
    }
    params.add(limit);
    return new Query(operation, GrantTables.selectRequests(where.toString()) + " LIMIT ?", params.toArray());
  }

  /**
   * A page of readable requests, at most {@code limit}. A corrupt row is left out ({@link CorruptRows}) and the page is
   * filled from the rows after it, so a corrupt row never makes a page come back short, which the caller would take
   * for the end of the listing.
   *
   * @param query the query of a page starting after a position, with a limit
   */
  static List<RequestRecord> readPage(RowReads reads, BiFunction<@Nullable Key, Integer, Query> query,
      @Nullable RequestPosition after, int limit) {
    positive(limit);
    List<RequestRecord> out = new ArrayList<>();
    Key from = Key.of(after);
    while (true) {
      int want = limit - out.size();
      Query q = query.apply(from, want);
      RowsSeen seen = new RowsSeen();
      out.addAll(reads.list(q.operation(), q.sql(), seen::read, q.params()));
      if (seen.rows < want || out.size() >= limit || seen.last == null || seen.last.equals(from)) {
        return out;
      }
      from = seen.last; // some rows were corrupt: go on after the last row read, readable or not
    }
  }

  /** Reads requests and remembers how many rows it saw and where the last one sits, as stored, corrupt or not. */
  private static final class RowsSeen {
    private static final int CREATED_AT = GrantTables.REQUEST_INDEX.get("created_at");
    private static final int ID = GrantTables.REQUEST_INDEX.get("id");
    int rows;
    @Nullable Key last;

    RequestRecord read(ResultSet rs) throws SQLException, CorruptRowException {
      rows++;
      String id = rs.getString(ID);
      if (id != null) { // a primary key: never null in a real row
        last = new Key(rs.getLong(CREATED_AT), id);
      }
      return GrantRows.readRequest(rs);
    }
  }

  static void positive(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
  }
}
