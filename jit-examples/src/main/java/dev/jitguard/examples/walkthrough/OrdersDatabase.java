package dev.jitguard.examples.walkthrough;

import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;

/** A sensitive operation: writing to the production orders database. It runs only under an active elevation. */
public final class OrdersDatabase {
  /** The privilege this operation needs. Built once: privileges are cheap to compare, not to parse. */
  public static final Privilege DB_PROD_WRITE = Privilege.of("db.prod.write");

  private final PrivilegeGuard guard;
  private int repairs;

  /**
   * Creates the repository.
   *
   * @param guard the guard that decides
   */
  public OrdersDatabase(PrivilegeGuard guard) {
    this.guard = guard;
  }

  /**
   * Repairs an order row; throws {@link dev.jitguard.ElevationRequiredException} without an active elevation.
   *
   * @param caller who calls
   * @param orderId the order
   * @return a confirmation
   */
  public String repairOrder(Subject caller, String orderId) {
    guard.require(caller, DB_PROD_WRITE);
    repairs++;
    return "order " + orderId + " repaired by " + caller.id();
  }

  /** @return how many repairs ran */
  public int repairs() {
    return repairs;
  }
}
