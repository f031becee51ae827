package io.remotellm.broker.api;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** The broker's own errors, in OpenAI's shape. */
@Provider
public class ApiExceptionMapper implements ExceptionMapper<ApiException> {

  @Override
  public Response toResponse(ApiException exception) {
    return response(exception.error());
  }

  static Response response(ApiError error) {
    return Response.status(error.status())
        .type(MediaType.APPLICATION_JSON_TYPE)
        .entity(error.toJson())
        .build();
  }
}
