package dev.jitguard.examples.backoffice;

import dev.jitguard.annotation.RequiresElevation;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Refunds: the operation that needs a time-bound elevation. */
@Service
public class RefundService {
  private final JdbcClient jdbc;

  RefundService(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** A refund that was made. */
  public record Refund(long id, String orderId, long amountCents) { }

  /**
   * Refunds part or all of an order. Runs only while the caller holds an elevation of {@code payments.refund};
   * otherwise {@code ElevationRequiredException} is thrown before the transaction opens, and the web layer answers
   * 403 with how to get one.
   *
   * @param orderId the order
   * @param amountCents how much, in cents
   * @return the refund, or empty if the order does not exist
   */
  @Transactional
  @RequiresElevation("payments.refund")
  public Optional<Refund> refund(String orderId, long amountCents) {
    Integer orders = jdbc.sql("select count(*) from orders where id = ?").param(orderId).query(Integer.class)
        .single();
    if (orders == 0) {
      return Optional.empty();
    }
    jdbc.sql("insert into refunds (order_id, amount_cents) values (?, ?)").params(orderId, amountCents).update();
    long id = jdbc.sql("select max(id) from refunds").query(Long.class).single();
    return Optional.of(new Refund(id, orderId, amountCents));
  }
}
