package dev.jitguard.spring.web;

import dev.jitguard.ElevationRequiredException;
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
 * (see {@link ElevationProblems}). Ordered early ({@code Ordered.HIGHEST_PRECEDENCE + 100}) so that an application's
 * catch-all exception handler does not turn it into a 500; declare a bean of this type to replace it, or set
 * {@code jit.web.problem-details=false}.
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
    return problems.elevationRequired(e.decision(), dev.jitguard.spring.aop.ActionDenials.of(e),
        request.getRequestURI());
  }
}
