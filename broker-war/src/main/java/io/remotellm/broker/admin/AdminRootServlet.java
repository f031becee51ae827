package io.remotellm.broker.admin;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code /admin} without its slash: sent to {@code /admin/} (the page's relative links need it).
 * Mapped here rather than left to the container, whose directory redirect comes before any filter
 * and would show that an admin page exists where none is configured; the {@link AdminGate} answers
 * 404 before this runs then.
 */
@WebServlet(urlPatterns = "/admin")
public class AdminRootServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    res.sendRedirect(req.getContextPath() + "/admin/");
  }
}
