package io.remotellm.broker.ledger;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.Objects;

/** A day (UTC), a user ({@code ""} for none) and a model. */
@Embeddable
public class DailyUsageKey implements Serializable {

  private static final long serialVersionUID = 1L;

  @Column(name = "usage_day", nullable = false)
  LocalDate day;

  @Column(name = "user_name", nullable = false)
  String userName;

  @Column(nullable = false)
  String model;

  protected DailyUsageKey() {}

  public DailyUsageKey(LocalDate day, String userName, String model) {
    this.day = day;
    this.userName = userName == null ? "" : userName;
    this.model = model;
  }

  public LocalDate day() {
    return day;
  }

  public String userName() {
    return userName;
  }

  public String model() {
    return model;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DailyUsageKey k
        && day.equals(k.day)
        && userName.equals(k.userName)
        && model.equals(k.model);
  }

  @Override
  public int hashCode() {
    return Objects.hash(day, userName, model);
  }

  @Override
  public String toString() {
    return day + "/" + userName + "/" + model;
  }
}
