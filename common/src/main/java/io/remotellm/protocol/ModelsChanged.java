package io.remotellm.protocol;

import java.util.List;

/** Connector → broker ({@code "type":"models"}): the set of served models is now this one. */
public record ModelsChanged(List<String> models) implements Frame {
  public ModelsChanged {
    models = Fields.models(models);
  }
}
