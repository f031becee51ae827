package io.remotellm.broker.api;

import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A bug, not a client error: logged with its stack (no request data), answered as a 500. */
@Provider
public class UnexpectedExceptionMapper implements ExceptionMapper<RuntimeException> {

  private static final Logger LOG = Logger.getLogger(UnexpectedExceptionMapper.class.getName());

  @Context HttpServletRequest http;

  @Override
  public Response toResponse(RuntimeException exception) {
    LOG.log(Level.SEVERE, "unexpected error", exception);
    return ApiExceptionMapper.response(
        ApiEdges.of(http),
        new ApiError(500, "api_error", "internal_error", "Internal error", null));
  }
}
