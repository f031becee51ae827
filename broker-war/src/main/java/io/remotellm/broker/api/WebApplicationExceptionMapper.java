package io.remotellm.broker.api;

import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** JAX-RS's own refusals (unknown path, wrong method, bad media type) in the API's shape too. */
@Provider
public class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {

  @Context HttpServletRequest http;

  @Override
  public Response toResponse(WebApplicationException exception) {
    int status = exception.getResponse().getStatus();
    Response.StatusType info = Response.Status.fromStatusCode(status);
    String phrase = info == null ? "HTTP " + status : info.getReasonPhrase();
    // The exception's message can quote request input; the reason phrase cannot.
    return ApiExceptionMapper.response(ApiEdges.of(http), ApiError.forStatus(status, phrase));
  }
}
