package io.remotellm.broker.api;

import io.remotellm.broker.edge.ApiEdge;
import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The web module's error page (web.xml): what the container or a library refuses on its own with
 * {@code sendError} (a {@code Content-Type} that is not a media type, a path outside the API, an
 * exception no mapper caught) reaches clients in OpenAI's error shape, not as the server's HTML.
 */
@WebServlet("/error-page")
public class ErrorPageServlet extends HttpServlet {

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    // Asked for directly, not as an error page: there is nothing here.
    int status = code instanceof Integer c && c >= 400 ? c : 404;
    response.setStatus(status);
    // As every answer of the API: the client's id when it is safe to echo, else a new one.
    response.setHeader(RequestIds.HEADER, RequestIds.accept(request.getHeader(RequestIds.HEADER)));
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    // The family of the path the client asked for, not of this page's own.
    String uri =
        request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String original
            ? original
            : request.getRequestURI();
    ApiEdge edge = ApiEdges.forPath(ApiEdges.pathOf(uri, request.getContextPath()));
    response.getWriter().write(edge.errorBody(ApiError.forStatus(status, phrase(status))));
  }

  private static String phrase(int status) {
    return switch (status) {
      case 400 ->
          "The server could not read the request (a malformed header such as a Content-Type that is not a media type, or a malformed path)";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not found: the API is under /v1";
      case 405 -> "Method not allowed";
      case 413 -> "Request too large";
      case 414 -> "Request URI too long";
      case 415 -> "Unsupported media type";
      case 501 -> "Method not implemented here: the API is under /v1";
      case 503 -> "Service unavailable";
      default -> status >= 500 ? "Internal server error" : "HTTP " + status;
    };
  }
}
