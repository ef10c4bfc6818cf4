package dev.jitguard.examples.backoffice;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The back office's HTTP API. Nothing here mentions elevation: the services are annotated, and JIT Guard turns a
 * denial into a 403 problem response with the hints.
 */
@RestController
public class BackOfficeController {
  private final RefundService refunds;
  private final CustomerService customers;

  BackOfficeController(RefundService refunds, CustomerService customers) {
    this.refunds = refunds;
    this.customers = customers;
  }

  /** What a refund asks for. */
  public record RefundRequest(String order, long amountCents) { }

  /**
   * Refunds an order.
   *
   * @param request order and amount
   * @return 201 with the refund, or 404 if the order does not exist
   */
  @PostMapping("/payments/refunds")
  public ResponseEntity<?> refund(@RequestBody RefundRequest request) {
    return refunds.refund(request.order(), request.amountCents())
        .<ResponseEntity<?>>map(r -> ResponseEntity.status(HttpStatus.CREATED).body(r))
        .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
            .body(Map.of("error", "no such order")));
  }

  /** What a refund from the budget asks for: the amount is a decimal (JSON string or number), read exactly. */
  public record BudgetRefundRequest(String order, BigDecimal amount) { }

  /**
   * Refunds part of an order from the caller's refund budget (a metered elevation).
   *
   * @param request order and amount
   * @return 201 with the refund, 404 if the order does not exist, 400 if the amount has more than two decimal places
   */
  @PostMapping("/payments/budget-refunds")
  public ResponseEntity<?> refundFromBudget(@RequestBody BudgetRefundRequest request) {
    BigDecimal amount = request.amount();
    if (amount != null && amount.stripTrailingZeros().scale() > 2) {
      return ResponseEntity.badRequest().body(Map.of("error", "amount has more than two decimal places"));
    }
    return refunds.refundFromBudget(request.order(), amount)
        .<ResponseEntity<?>>map(r -> ResponseEntity.status(HttpStatus.CREATED).body(r))
        .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
            .body(Map.of("error", "no such order")));
  }

  /**
   * Lists customers.
   *
   * @return the customers
   */
  @GetMapping("/customers")
  public List<Map<String, Object>> customers() {
    return customers.list();
  }

  /**
   * Erases a customer.
   *
   * @param id the customer
   * @return 204, or 404 if there is no such customer
   */
  @DeleteMapping("/customers/{id}")
  public ResponseEntity<Void> erase(@PathVariable("id") long id) {
    return customers.erase(id) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
  }
}
