package io.remotellm.broker.api;

import io.remotellm.broker.edge.ApiEdge;
import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** The broker's own errors, in the shape of the API family the client called (OpenAI's else). */
@Provider
public class ApiExceptionMapper implements ExceptionMapper<ApiException> {

  @Context HttpServletRequest http;

  @Override
  public Response toResponse(ApiException exception) {
    return response(ApiEdges.of(http), exception.error());
  }

  static Response response(ApiEdge edge, ApiError error) {
    return Response.status(error.status())
        .type(MediaType.APPLICATION_JSON_TYPE)
        .entity(edge.errorBody(error))
        .build();
  }
}
