package dev.incline.gateway.auth;

import dev.incline.platform.error.ProblemDetailsAdvice;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.MediaType;

/** Problem details written by servlet filters, which run before Spring MVC's exception handling. */
public final class Problems {
  private Problems() {}

  public static void write(HttpServletResponse response, int status, String title, String type, String detail)
      throws IOException {
    response.setStatus(status);
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.getWriter().write("{\"type\":\"" + ProblemDetailsAdvice.TYPE_BASE + type + "\",\"title\":\"" + title
        + "\",\"status\":" + status + ",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
  }
}
