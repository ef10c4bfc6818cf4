package dev.jitguard.examples.backoffice;

import dev.jitguard.annotation.RequiresElevation;
import java.math.BigDecimal;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Refunds: with a time-bound elevation ({@code payments.refund}), or from a refund budget
 * ({@code payments.refund-budget}, a metered elevation: its refunds may spend an approved total together).
 */
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
    return insert(orderId, amountCents);
  }

  /**
   * Refunds part of an order from a refund budget. Runs only while the caller holds a metered elevation of
   * {@code payments.refund-budget} with at least {@code amount} left; the amount is then spent from it, and the
   * elevation is used up when nothing is left. A refund past what is left is refused (403
   * {@code AMOUNT_EXCEEDED}, with what is left) before the transaction opens; a negative amount too (400).
   *
   * @param orderId the order
   * @param amount how much, in the order's currency (at most two decimal places: the controller checks that before
   *     calling, because the amount is spent from the elevation before this method runs)
   * @return the refund, or empty if the order does not exist
   */
  @Transactional
  @RequiresElevation(value = "payments.refund-budget", amount = "amount")
  public Optional<Refund> refundFromBudget(String orderId, BigDecimal amount) {
    return insert(orderId, amount.movePointRight(2).longValueExact());
  }

  private Optional<Refund> insert(String orderId, long amountCents) {
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
