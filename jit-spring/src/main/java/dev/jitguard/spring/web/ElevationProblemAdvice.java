package dev.jitguard.spring.web;

import dev.jitguard.ElevationRequiredException;
import dev.jitguard.InvalidInputException;
import dev.jitguard.action.UnsupportedArgumentException;
import dev.jitguard.spring.aop.ActionDenials;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns {@link ElevationRequiredException} thrown by any handler into HTTP 403 {@code application/problem+json}
 * (see {@link ElevationProblems}), and {@link InvalidInputException} (bad input to JIT Guard, such as a negative
 * amount for a metered {@code @RequiresElevation(amount = ...)} method) into 400 {@code invalid-input} naming the
 * field, as JIT Guard's own endpoints answer it; so is {@link UnsupportedArgumentException}, an argument of an
 * {@code action = true} call that has no canonical form (field {@code arguments}). Ordered early
 * ({@code Ordered.HIGHEST_PRECEDENCE + 100}) so that an application's catch-all exception handler does not turn it
 * into a 500; declare a bean of this type to replace it, or set {@code jit.web.problem-details=false}.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
public class ElevationProblemAdvice {
  private final ElevationProblems problems;

  /**
   * Creates the advice.
   *
   * @param problems builds the responses
   */
  public ElevationProblemAdvice(ElevationProblems problems) {
    this.problems = Objects.requireNonNull(problems, "problems cannot be null");
  }

  /**
   * The 403 response.
   *
   * @param e the denial
   * @param request the request
   * @return the problem response
   */
  @ExceptionHandler(ElevationRequiredException.class)
  public ResponseEntity<ProblemDetail> elevationRequired(ElevationRequiredException e, HttpServletRequest request) {
    return problems.elevationRequired(e.decision(), ActionDenials.of(e), ActionDenials.amountOf(e),
        request.getRequestURI());
  }

  /**
   * The 400 response for bad input to JIT Guard: a metered method called with a null or negative amount (field: the
   * parameter name), or any other {@link InvalidInputException} a handler lets through.
   *
   * @param e the error
   * @param request the request
   * @return the problem response
   */
  @ExceptionHandler(InvalidInputException.class)
  public ResponseEntity<ProblemDetail> invalidInput(InvalidInputException e, HttpServletRequest request) {
    return problems.invalidInput(e, request.getRequestURI());
  }

  /**
   * The 400 response for an argument of an {@code action = true} call that cannot be digested as it arrived (text
   * with an unpaired surrogate, two map keys that are the same value, nesting deeper than 32 levels...): no digest, so
   * no approval, can stand for that call, and the method does not run. Field {@code arguments}; the detail names the
   * argument by position and path, never quoting its text.
   *
   * @param e the error
   * @param request the request
   * @return the problem response
   */
  @ExceptionHandler(UnsupportedArgumentException.class)
  public ResponseEntity<ProblemDetail> unsupportedArgument(UnsupportedArgumentException e,
      HttpServletRequest request) {
    return problems.invalidInput(new InvalidInputException("arguments", e.getMessage()), request.getRequestURI());
  }
}
